validate --rejects - tests/data/bad/negative_qty.csv
