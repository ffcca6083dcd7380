validate --rejects - tests/data/bad/utf16.csv
