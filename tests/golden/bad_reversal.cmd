validate --rejects - tests/data/bad/reversal.jsonl
