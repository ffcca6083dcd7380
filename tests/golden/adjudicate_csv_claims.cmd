adjudicate --rules rules/shenzhen-employee-2024 --format csv --out - --lines-out /dev/null samples/shenzhen-2024.jsonl
