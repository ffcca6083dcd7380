validate --max-rejects 1 tests/data/bad/garbage_numbers.csv
