validate --rejects - tests/data/bad/unknown_header_column.csv
