validate --map nhsa samples/nhsa/mdtrt_d_gbk.csv --lines samples/nhsa/fee_list_d.csv
