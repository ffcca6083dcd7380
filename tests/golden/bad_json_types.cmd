validate --rejects - tests/data/bad/json_types.jsonl
