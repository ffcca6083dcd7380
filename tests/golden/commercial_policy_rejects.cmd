adjudicate --rules rules/million-medical --policies tests/data/policies/bad.csv --out /dev/null --rejects - samples/million-claims.jsonl
