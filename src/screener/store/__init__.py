"""Persistence: the only package that imports SQLModel/SQLAlchemy."""

from screener.store.schema import StoreError
from screener.store.screening import Blinded, ReopenNeeded, Settled
from screener.store.source_writer import AlreadyImported
from screener.store.store import SourceInput, Store, open_store

__all__ = ["AlreadyImported", "Blinded", "ReopenNeeded", "Settled", "SourceInput", "Store", "StoreError", "open_store"]
