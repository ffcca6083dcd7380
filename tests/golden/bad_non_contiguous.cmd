validate --rejects - tests/data/bad/non_contiguous.csv
