validate --rejects - tests/data/bad/wrong_column_count.csv
