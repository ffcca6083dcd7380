adjudicate --rules rules/million-medical --policies samples/million-policies.csv samples/million-claims.jsonl
