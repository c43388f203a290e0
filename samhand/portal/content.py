"""A decrypted message made readable: envelope facts and the business document as a tree of
element names and values (not raw XML). Pure presentation: nothing here decrypts or logs;
the bytes come from access.content_for_user, which does both."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from samhand import kith
from samhand.monitoring.readable import format_value, label_of

MAX_NODES = 3000  # a very large document is cut, with a note, rather than hang the page


@dataclass
class Node:
    name: str  # the label a reader understands (shared with the manual-routine PDF)
    value: str = ""
    attributes: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


@dataclass
class Readable:
    msghead: kith.MsgHead | None = None
    apprec: kith.AppRec | None = None
    documents: list[Node] = field(default_factory=list)
    attachments: list[kith.Document] = field(default_factory=list)
    truncated: bool = False
    error: str = ""


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


class _Builder:
    def __init__(self):
        self.count = 0
        self.truncated = False

    def node(self, el: etree._Element) -> Node | None:
        if self.count >= MAX_NODES:
            self.truncated = True
            return None
        self.count += 1
        attrs = {_local(k): v for k, v in el.attrib.items()}
        value = (el.text or "").strip()
        # KITH coded values (CV/CS): V is the code, DN its meaning; show "DN (V)".
        if "V" in attrs or "DN" in attrs:
            code, meaning = attrs.pop("V", ""), attrs.pop("DN", "")
            attrs.pop("S", None)  # the code system OID says nothing to a reader
            value = f"{meaning} ({code})" if meaning and code else (meaning or code or value)
        children = []
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            built = self.node(child)
            if built is not None:
                children.append(built)
        # Labels and values as the manual-routine PDF prints them: «Informasjon om forsendelsen»,
        # 29.01.2018 kl. 10:00, Ja/Nei (not element names, ISO timestamps or «false»).
        if not children:
            value = format_value(value)
        attrs = {k: format_value(v) for k, v in attrs.items()}
        return Node(label_of(el.tag), value, sorted(attrs.items()), children)


def readable(content: bytes) -> Readable:
    try:
        root = kith.parse_xml(content)
        kind = kith.identify_document(root)
        if kind is not None and kind.family == "AppRec":
            return Readable(apprec=kith.parse_apprec(root))
        msghead = kith.parse_msghead(root)
    except kith.KithError as exc:
        return Readable(error=f"{exc.code}: {exc.text}")
    builder = _Builder()
    result = Readable(msghead=msghead)
    for document in msghead.documents:
        if document.content is not None:
            built = builder.node(document.content)
            if built is not None:
                result.documents.append(built)
        else:
            result.attachments.append(document)
    result.truncated = builder.truncated
    return result
