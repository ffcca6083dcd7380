validate --rejects - tests/data/bad/bom_crlf.csv
