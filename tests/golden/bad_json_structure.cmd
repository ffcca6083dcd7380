validate --rejects - tests/data/bad/json_structure.jsonl
