adjudicate --rules rules/million-medical --policies samples/million-policies.csv --out /dev/null --summary - samples/million-claims.jsonl
