validate samples/claims.csv samples/claims.jsonl
