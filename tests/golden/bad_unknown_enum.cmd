validate --rejects - tests/data/bad/unknown_enum.csv
