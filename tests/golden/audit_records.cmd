adjudicate --rules rules/audit-nhsa samples/audit-claims.jsonl
