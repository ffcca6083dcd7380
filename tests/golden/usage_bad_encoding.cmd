validate --encoding latin1 tests/data/bad/empty.csv
