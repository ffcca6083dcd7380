validate --input-format jsonl - < tests/data/bad/binary_noise.jsonl
