validate --rejects - tests/data/bad/grouped_numbers.csv
