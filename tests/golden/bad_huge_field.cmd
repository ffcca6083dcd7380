validate tests/data/bad/huge_field.csv
