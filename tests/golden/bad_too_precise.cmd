validate --rejects - tests/data/bad/too_precise.csv
