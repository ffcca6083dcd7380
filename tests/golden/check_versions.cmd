check tests/data/packs/versions
