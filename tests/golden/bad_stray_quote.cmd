validate --rejects - tests/data/bad/stray_quote.csv
