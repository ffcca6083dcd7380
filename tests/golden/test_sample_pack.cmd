test rules/sample --coverage
