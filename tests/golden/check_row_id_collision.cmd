check tests/data/packs/row_id_collision
