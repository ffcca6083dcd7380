validate tests/data/bad/gb18030_small_reads.csv
