test tests/data/packs/failing_tests
