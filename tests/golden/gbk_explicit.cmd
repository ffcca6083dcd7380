validate --encoding gbk tests/data/bad/gbk_no_encoding.csv
