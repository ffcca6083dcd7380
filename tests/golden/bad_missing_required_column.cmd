validate --rejects - tests/data/bad/missing_required_column.csv
