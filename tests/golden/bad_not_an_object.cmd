validate --rejects - tests/data/bad/not_an_object.jsonl
