validate --encoding utf-8 --rejects - tests/data/bad/gbk_no_encoding.csv
