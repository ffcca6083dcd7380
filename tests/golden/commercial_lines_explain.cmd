explain --rules tests/data/packs/commercial_lines --policies tests/data/commercial/lines-policies.csv L1 tests/data/commercial/lines-claims.jsonl
