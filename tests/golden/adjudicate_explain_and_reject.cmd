adjudicate --rules rules/sample --explain tests/data/adjudicate/mixed.jsonl
