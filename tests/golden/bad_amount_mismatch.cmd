validate --rejects - tests/data/bad/amount_mismatch.csv
