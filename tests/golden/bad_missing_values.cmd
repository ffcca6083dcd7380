validate --rejects - tests/data/bad/missing_values.csv
