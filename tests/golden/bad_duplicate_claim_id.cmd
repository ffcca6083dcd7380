validate --rejects - tests/data/bad/duplicate_claim_id.jsonl
