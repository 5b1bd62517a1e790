"""The use cases the CLI and the TUI share: they take a Store and return dataclasses."""
