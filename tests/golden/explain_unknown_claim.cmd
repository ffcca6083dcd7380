explain --rules rules/shenzhen-employee-2024 NO-SUCH-CLAIM samples/shenzhen-2024.jsonl
