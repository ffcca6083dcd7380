explain --rules rules/audit-nhsa AU-0004 samples/audit-claims.jsonl
