check tests/data/packs/table_gaps
