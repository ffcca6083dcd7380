validate samples/visits.csv --lines samples/visit_lines.csv
