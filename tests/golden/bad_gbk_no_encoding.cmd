validate --rejects - tests/data/bad/gbk_no_encoding.csv
