validate --rejects - tests/data/bad/text_after_quote.csv
