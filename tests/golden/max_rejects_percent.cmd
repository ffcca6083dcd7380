validate --max-rejects 50% tests/data/bad/dates_out_of_range.csv
