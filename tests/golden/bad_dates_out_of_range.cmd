validate --rejects - tests/data/bad/dates_out_of_range.csv
