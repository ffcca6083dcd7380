validate --rejects - tests/data/bad/header_only.csv
