validate --rejects - tests/data/bad/overflow.csv
