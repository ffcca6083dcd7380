explain --rules rules/million-medical --policies samples/million-policies.csv BW-C-0001 samples/million-claims.jsonl
