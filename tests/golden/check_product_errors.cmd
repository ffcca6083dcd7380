check tests/data/packs/product_errors
