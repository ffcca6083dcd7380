validate --rejects - tests/data/bad/empty.csv
