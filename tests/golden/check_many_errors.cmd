check tests/data/packs/many_errors
