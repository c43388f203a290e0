"""Fixtures for samhand.simulator.documents: the official XSDs (read-only, outside the repo),
each compiled once per session with a resolver that maps every schemaLocation to a file of the
same name anywhere under the schema directory (the XSDs use bare names, ../.. paths and URLs)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import needs
from lxml import etree

REPO = Path(__file__).resolve().parents[2]


class _ByBasename(etree.Resolver):
    def __init__(self, files: dict[str, Path]) -> None:
        super().__init__()
        self.files = files

    def resolve(self, system_url, public_id, context):  # type: ignore[no-untyped-def]
        path = self.files.get((system_url or "").rsplit("/", 1)[-1])
        if path is None:
            raise LookupError(f"schema {system_url!r} not found under the schema directory")
        return self.resolve_filename(str(path), context)


class Schemas:
    """XSD file name -> compiled XMLSchema, compiled on first use."""

    def __init__(self, schema_dir: Path) -> None:
        self.files = {p.name: p for p in schema_dir.rglob("*.xsd")}
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    def get(self, file_name: str) -> etree.XMLSchema:
        with self._lock:
            if file_name not in self._compiled:
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                parser.resolvers.add(_ByBasename(self.files))
                self._compiled[file_name] = etree.XMLSchema(etree.parse(str(self.files[file_name]), parser))
            return self._compiled[file_name]

    def errors(self, file_name: str, el: etree._Element) -> list[str]:
        schema = self.get(file_name)
        if schema.validate(el):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


@pytest.fixture(scope="session")
def kith_schema_dir() -> Path:
    return needs.schema_dir()


@pytest.fixture(scope="session")
def xsd(kith_schema_dir: Path) -> Schemas:
    return Schemas(kith_schema_dir)
