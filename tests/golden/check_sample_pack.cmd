check rules/sample
