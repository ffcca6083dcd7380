validate --map nhsa --rejects - samples/nhsa/mdtrt_d.csv --lines samples/nhsa/fee_list_d.csv
