adjudicate --rules rules/audit-nhsa --out /dev/null --summary - samples/audit-claims.jsonl
