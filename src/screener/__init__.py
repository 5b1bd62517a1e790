"""screener: the selection phase of a systematic review, local-first and keyboard-driven."""

__version__ = "0.1.0"
