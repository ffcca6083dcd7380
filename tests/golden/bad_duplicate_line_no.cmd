validate --rejects - tests/data/bad/duplicate_line_no.csv
