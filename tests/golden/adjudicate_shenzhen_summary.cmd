adjudicate --rules rules/shenzhen-employee-2024 --out /dev/null --summary - samples/shenzhen-2024.jsonl
