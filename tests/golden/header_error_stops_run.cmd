validate --rejects - tests/data/bad/duplicate_column.csv samples/claims.csv
