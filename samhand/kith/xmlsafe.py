"""Hardened XML parsing for untrusted messages.

Messages arrive from outside the node, so the parser never loads DTDs, never expands or fetches
entities, never touches the network or the file system, and refuses any document type declaration
outright (national message standards are defined by XML Schema only; no standard message has a
DOCTYPE). Every failure maps to AppRec code T01 "Ikke XML / ikke 'well formed' / uleselig"
(HIS 80415 §6.3), except an oversized message, which is refused with T99 before parsing.
"""

from __future__ import annotations

from lxml import etree

from .errors import KithError
from .libxml import GUARD

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200


class _DenyResolver(etree.Resolver):
    """Answers every external resource request with an empty document and remembers it."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[str] = []

    def resolve(self, system_url, public_id, context):  # type: ignore[no-untyped-def]
        self.requested.append(system_url or public_id or "?")
        return self.resolve_string("", context)


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse an untrusted XML message (any encoding, with or without declaration or BOM) and return
    its root element, or raise KithError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_xml expects bytes, got {type(data).__name__}")
    size = memoryview(data).nbytes
    if size > max_bytes:
        raise KithError("T99", f"message is {size} bytes, larger than the limit of {max_bytes} bytes")
    data = bytes(data)
    if not data or data.isspace():
        raise KithError("T01", "message is empty")

    resolver = _DenyResolver()
    try:
        try:
            with GUARD.shared():
                root = etree.fromstring(data, _parser(resolver, huge_tree=False))
        except etree.XMLSyntaxError as exc:
            if not _is_size_limit(exc):
                raise
            # libxml2's own limits (a text node or comment of 10 MB) are below ours: the size was
            # checked above, so a document under the limit is parsed with them lifted. Depth is
            # still limited: a too-deep document fails the first parse with another error.
            resolver = _DenyResolver()
            with GUARD.shared():
                root = etree.fromstring(data, _parser(resolver, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise KithError("T01", f"not well-formed XML: {exc.msg}") from None
    if resolver.requested:
        raise KithError("T01", f"XML refers to external resources: {', '.join(resolver.requested)}")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise KithError("T01", "XML with a document type declaration (DOCTYPE/DTD) is not accepted")
    _check_depth(root)
    return root


def _parser(resolver: _DenyResolver, *, huge_tree: bool) -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=huge_tree)
    parser.resolvers.add(resolver)
    return parser


def _is_size_limit(exc: etree.XMLSyntaxError) -> bool:
    text = (exc.msg or "").lower()
    return "xml_parse_huge" in text or "too big" in text or "too long" in text or "huge" in text


def _check_depth(root: etree._Element) -> None:
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > MAX_DEPTH:
                raise KithError(
                    "T01", f"XML nested deeper than {MAX_DEPTH} elements (line {element.sourceline})"
                )
        else:
            depth -= 1
