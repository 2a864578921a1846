"""The use cases (services) behind `portalize.api`: each returns a typed result (results.py)."""
