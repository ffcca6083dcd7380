check tests/data/packs/versions_bad
