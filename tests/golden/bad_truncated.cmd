validate --rejects - tests/data/bad/truncated.jsonl
