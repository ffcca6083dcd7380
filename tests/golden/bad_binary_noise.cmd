validate --rejects - tests/data/bad/binary_noise.jsonl
