validate tests/data/bad/huge_record.csv
