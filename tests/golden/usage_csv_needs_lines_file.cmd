adjudicate --rules rules/shenzhen-employee-2024 --format csv --out - samples/shenzhen-2024.jsonl
