check tests/data/packs/table_errors
