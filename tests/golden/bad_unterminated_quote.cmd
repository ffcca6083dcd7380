validate --rejects - tests/data/bad/unterminated_quote.csv
