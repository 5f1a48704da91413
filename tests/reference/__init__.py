"""Plain reference implementations of the product's fast paths: each does what its fast twin does, the
slow and obvious way, and the tests assert that the two agree (`tests/cleaners/test_fast_paths_*.py`)."""
