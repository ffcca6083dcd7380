validate --rejects - tests/data/bad/nul_byte.csv
