validate --rejects - tests/data/bad/lone_cr.csv
