validate tests/data/bad/claim_500_lines.csv
