validate --rejects - tests/data/bad/discharge_before_admit.csv
