test tests/data/packs/versions --coverage
