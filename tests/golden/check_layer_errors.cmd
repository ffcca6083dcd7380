check tests/data/packs/layer_errors
