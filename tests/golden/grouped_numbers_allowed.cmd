validate --grouped-numbers tests/data/bad/grouped_numbers.csv
