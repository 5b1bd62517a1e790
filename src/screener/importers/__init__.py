"""Readers for database exports (being written)."""
