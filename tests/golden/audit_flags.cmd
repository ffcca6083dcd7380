adjudicate --rules rules/audit-nhsa --out /dev/null --flags - samples/audit-claims.jsonl
