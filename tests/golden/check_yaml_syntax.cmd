check tests/data/packs/yaml_syntax
