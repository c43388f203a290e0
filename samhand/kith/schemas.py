"""XML Schema validation against the official schema set, offline.

Schema files refer to each other by bare file names, relative paths or http URLs
(e.g. "http://www.kith.no/xmlstds/kith.xsd"); all of them are resolved by file name to a file
inside the schema directory, and nothing else is ever read, locally or from the network.

MsgHead 1.2 declares RefDoc/Content as xs:any processContents="strict" (HIS 80601), so a whole
message only validates with the business document's schema loaded too. For each combination of
envelope and payload namespaces a small combined schema importing all of them is compiled once
and cached.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from .documents import MSGHEAD_NS, DocumentKind, identify_document, registered_versions
from .libxml import GUARD
from .xmlutil import qpath

_XS = "http://www.w3.org/2001/XMLSchema"
_COMBINED_NAME = "__samhand_combined__.xsd"
_CONTENT_PATHS = (
    qpath(MSGHEAD_NS, "Document/RefDoc/Content") + "/*",
    qpath(MSGHEAD_NS, "PatientReport/Document/RefDoc/Content") + "/*",
)


# libxml2 schema compilation is not thread-safe across parser contexts: two compilations at
# once (even in two SchemaSet objects), or a document parsed in another thread meanwhile, can
# resolve imports into the wrong parser and yield a schema missing declarations. Compilation runs
# alone (libxml.GUARD); parsing and validation share the guard.


class SchemaCompileError(RuntimeError):
    """The local schema set is broken (a deployment problem, never the sender's fault)."""


class _LocalResolver(etree.Resolver):
    """Resolves every schema reference by file name inside the schema directory."""

    def __init__(self, files: dict[str, Path]) -> None:
        super().__init__()
        self._files = files
        self.missing: list[str] = []

    def resolve(self, system_url, public_id, context):  # type: ignore[no-untyped-def]
        path = self._files.get((system_url or "").rsplit("/", 1)[-1])
        if path is None:
            self.missing.append(system_url or public_id or "?")
            return self.resolve_string("", context)
        return self.resolve_filename(str(path), context)


def _safe_parser(resolver: etree.Resolver | None = None) -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if resolver is not None:
        parser.resolvers.add(resolver)
    return parser


class SchemaSet:
    """The XSDs of one schema directory, picked by namespace, compiled lazily, thread-safe."""

    def __init__(self, schema_dir: Path | str | None) -> None:
        self.schema_dir = Path(schema_dir) if schema_dir is not None else None
        self.enabled = self.schema_dir is not None and self.schema_dir.is_dir()
        self._lock = threading.Lock()
        self._files: dict[str, Path] | None = None  # file name -> path
        self._by_namespace: dict[str, Path] = {}  # targetNamespace -> main XSD
        self._compiled: dict[tuple[str, ...], tuple[etree.XMLSchema, threading.Lock]] = {}

    def describe(self) -> str:
        """One line for a status/doctor command."""
        if self.schema_dir is None:
            return "disabled: no schema directory configured (structure checks only)"
        if not self.enabled:
            return f"disabled: {self.schema_dir} is not a directory (structure checks only)"
        files = self._index()
        versions = "present" if registered_versions(self.schema_dir) else "missing"
        return (
            f"enabled: {self.schema_dir}, {len(files)} XSD files, {len(self._by_namespace)} namespaces, "
            f"MeldingsVersjoner.xml {versions}"
        )

    def identify(self, el: etree._Element) -> DocumentKind | None:
        """identify_document() using this set's MeldingsVersjoner.xml when enabled."""
        return identify_document(el, self.schema_dir if self.enabled else None)

    def schema_for(self, namespace: str) -> Path | None:
        """The main XSD file for a target namespace, if the set has one (never for no namespace)."""
        self._index()
        return self._by_namespace.get(namespace) if namespace else None

    def missing_namespaces(self, el: etree._Element) -> list[str]:
        """Namespaces of el (and of a MsgHead's payloads) that no XSD in the set declares."""
        return [ns for ns in _namespaces_to_validate(el) if self.schema_for(ns) is None]

    def validate(self, el: etree._Element) -> list[str]:
        """Schema errors of el as "line N: message" strings; empty when valid."""
        missing = self.missing_namespaces(el)
        if missing:
            return [f"no schema for namespace {ns or '(none)'}" for ns in missing]
        schema, lock = self._compiled_for(tuple(sorted(set(_namespaces_to_validate(el)))))
        with lock, GUARD.shared():  # the validator's error log is per object, not per call
            if schema.validate(el):
                return []
            return [f"line {error.line}: {error.message}" for error in schema.error_log]

    def _directory(self) -> Path:
        if not self.enabled or self.schema_dir is None:
            raise RuntimeError(f"schema validation is disabled: {self.describe()}")
        return self.schema_dir

    def _index(self) -> dict[str, Path]:
        directory = self._directory()
        with self._lock:
            if self._files is None:
                self._files, self._by_namespace = _build_index(directory)
            return self._files

    def _compiled_for(self, namespaces: tuple[str, ...]) -> tuple[etree.XMLSchema, threading.Lock]:
        files = self._index()
        with self._lock:
            if namespaces not in self._compiled:
                imports = {ns: self._by_namespace[ns] for ns in namespaces}
                with GUARD.alone():
                    schema = _compile(self._directory(), files, imports)
                self._compiled[namespaces] = (schema, threading.Lock())
            return self._compiled[namespaces]


def _namespaces_to_validate(el: etree._Element) -> list[str]:
    namespaces = [etree.QName(el).namespace or ""]
    if namespaces[0] == MSGHEAD_NS:
        for path in _CONTENT_PATHS:
            for payload in el.iterfind(path):
                namespace = etree.QName(payload).namespace or ""
                if namespace not in namespaces:
                    namespaces.append(namespace)
    return namespaces


def _build_index(schema_dir: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    files: dict[str, Path] = {}
    candidates: dict[str, list[Path]] = {}
    included: set[str] = set()
    for path in sorted(schema_dir.rglob("*.xsd")):
        if path.name in files:
            continue
        files[path.name] = path
        try:
            root = etree.parse(str(path), _safe_parser()).getroot()
        except etree.XMLSyntaxError as exc:
            raise SchemaCompileError(f"{path} is not well-formed: {exc}") from exc
        candidates.setdefault(root.get("targetNamespace", ""), []).append(path)
        for include in root.iterfind(f"{{{_XS}}}include"):
            included.add(include.get("schemaLocation", "").rsplit("/", 1)[-1])

    by_namespace: dict[str, Path] = {}
    registered = registered_versions(schema_dir)
    for namespace, paths in candidates.items():
        entry = registered.get(namespace)
        named = files.get(f"{entry.schema_name}.xsd") if entry else None
        # Several files per namespace means one includes the others; the includer is the schema.
        roots = [p for p in paths if p.name not in included] or paths
        by_namespace[namespace] = named if named in paths else roots[0]
    return files, by_namespace


def _compile(schema_dir: Path, files: dict[str, Path], imports: dict[str, Path]) -> etree.XMLSchema:
    combined = etree.Element(f"{{{_XS}}}schema", nsmap={"xs": _XS})
    for namespace, path in imports.items():
        etree.SubElement(combined, f"{{{_XS}}}import", namespace=namespace, schemaLocation=path.name)
    resolver = _LocalResolver(files)
    doc = etree.fromstring(
        etree.tostring(combined), _safe_parser(resolver), base_url=str(schema_dir / _COMBINED_NAME)
    )
    try:
        return etree.XMLSchema(doc)
    except etree.XMLSchemaParseError as exc:
        missing = f"; missing files: {', '.join(resolver.missing)}" if resolver.missing else ""
        files_used = ", ".join(path.name for path in imports.values())
        raise SchemaCompileError(f"cannot compile {files_used} from {schema_dir}: {exc}{missing}") from exc
