"""Persistence: the only package that imports SQLModel/SQLAlchemy."""

from screener.store.engine import StoreError
from screener.store.blinding import Blind, Blinded
from screener.store.screening import ReopenNeeded, Settled
from screener.store.importing import AlreadyImported
from screener.store.store import SourceInput, Store, open_store

__all__ = ["AlreadyImported", "Blind", "Blinded", "ReopenNeeded", "Settled", "SourceInput", "Store", "StoreError", "open_store"]
