"""Core: config, errors, the registry and mapping schemas, the ledger and its stores. Imports no stage."""
