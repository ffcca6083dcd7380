validate --rejects - tests/data/bad/garbage_numbers.csv
