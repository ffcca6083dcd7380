adjudicate --rules rules/sample samples/claims.jsonl
