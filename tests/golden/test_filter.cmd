test rules/sample --filter d1
