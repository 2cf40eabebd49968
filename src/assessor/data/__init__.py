"""Input tables: reading, validating and registering them with the backend."""
