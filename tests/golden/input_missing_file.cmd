validate tests/data/bad/no-such-file.csv
