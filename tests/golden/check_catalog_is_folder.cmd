check tests/data/packs/catalog_is_folder
