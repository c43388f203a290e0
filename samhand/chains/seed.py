"""The shipped data: the message-type registry and the PLO chain, version 1 (idempotent).

Both come from data files in ``samhand/chains/data`` in the same formats that `samhand types
import` and `samhand chain import` read, so the seed is data too, not code.
"""

from __future__ import annotations

from pathlib import Path

from .definitions import import_chain, read_chain_file
from .models import ChainVersion
from .registry import TypesImported, import_types, read_types_file

DATA = Path(__file__).resolve().parent / "data"
TYPES_FILE = DATA / "message-types.json"
CHAIN_FILE = DATA / "plo-chain-v1.json"


def seed_message_types() -> TypesImported:
    return import_types(read_types_file(TYPES_FILE.read_bytes()))


def seed_standard_chain() -> ChainVersion:
    """The PLO admission-to-discharge chain, version 1, approved by SSU (needs the types)."""
    seed_message_types()
    version, _changed = import_chain(read_chain_file(CHAIN_FILE.read_bytes()), source=CHAIN_FILE.name)
    return version
