"""The terminal app: a thin shell over the store and the core."""
