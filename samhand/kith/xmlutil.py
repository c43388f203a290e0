"""Small helpers shared by the MsgHead and AppRec readers and writers."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from lxml import etree


@lru_cache(maxsize=1024)  # a few hundred distinct paths, asked for on every message and AppRec
def qpath(namespace: str, path: str) -> str:
    """"A/B" -> "{ns}A/{ns}B" for find()."""
    return "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))


def first_element(parent: etree._Element | None) -> etree._Element | None:
    """First child element, skipping comments and processing instructions."""
    if parent is None:
        return None
    return next((child for child in parent if isinstance(child.tag, str)), None)


def child_text(parent: etree._Element | None, path: str) -> str | None:
    """Stripped text of the first match of path, None when absent or blank."""
    if parent is None:
        return None
    found = parent.find(path)
    if found is None:
        return None
    return "".join(found.itertext()).strip() or None


def child_attr(parent: etree._Element | None, path: str, name: str = "V") -> str | None:
    """Stripped attribute (by default the code value V) of the first match of path."""
    if parent is None:
        return None
    found = parent.find(path)
    if found is None:
        return None
    value = (found.get(name) or "").strip()
    return value or None


def sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str | None
) -> etree._Element:
    """Append a child in the parent's namespace with optional text and attributes (None: left out)."""
    namespace = etree.QName(parent).namespace
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}" if namespace else tag)
    for name, value in attributes.items():
        if value is not None:
            element.set(name, value)
    if text is not None:
        element.text = text
    return element


def format_datetime(value: datetime | None) -> str:
    """xs:dateTime to the second; local time without offset when value is None or naive."""
    return (value or datetime.now()).replace(microsecond=0).isoformat()


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
