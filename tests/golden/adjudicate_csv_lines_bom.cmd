adjudicate --rules rules/shenzhen-employee-2024 --format csv --bom --out /dev/null --lines-out - samples/shenzhen-2024.jsonl
