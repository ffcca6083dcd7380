explain --rules rules/shenzhen-employee-2024 SZ24-0010 samples/shenzhen-2024.jsonl
