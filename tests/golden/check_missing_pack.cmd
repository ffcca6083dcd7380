check tests/data/packs/does-not-exist
