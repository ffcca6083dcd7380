validate --rejects - tests/data/bad/invalid_utf8.csv
