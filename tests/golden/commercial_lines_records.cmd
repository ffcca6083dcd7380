adjudicate --rules tests/data/packs/commercial_lines --policies tests/data/commercial/lines-policies.csv tests/data/commercial/lines-claims.jsonl
