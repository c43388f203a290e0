"""Grow free-text fields with more sentences until a document reaches a target size.

Size is ``len(etree.tostring(el, encoding="utf-8"))``: UTF-8, no XML declaration, no
pretty-printing. Sentences from the bank never contain characters that XML escapes, so each one
adds exactly its UTF-8 length (plus a separating space); the result overshoots the target by at
most one sentence.
"""

from __future__ import annotations

from lxml import etree

from .text import Prose

Slot = tuple[etree._Element, str]  # (element whose text grows, sentence category)


def serialized_size(el: etree._Element) -> int:
    return len(etree.tostring(el, encoding="utf-8"))


def pad(root: etree._Element, slots: list[Slot], target: int | None, prose: Prose) -> None:
    """Append sentences round-robin to the slots until root serializes to >= target bytes.

    Time-stamped entries are put in chronological order after the plain sentences of each slot
    (reordering does not change the size)."""
    if not target or not slots:
        return
    added: dict[int, list[str]] = {}
    for _ in range(3):  # the byte count is exact; re-measure only as a safety net
        deficit = target - serialized_size(root)
        i = 0
        while deficit > 0:
            # prefer slots that still get fresh text; repeat sentences only as a last resort
            live = [s for s in slots if not prose.exhausted(s[1])] or slots
            el, category = live[i % len(live)]
            i += 1
            sentence = prose.sentence(category)
            added.setdefault(id(el), []).append(sentence)
            add = (" " if el.text else "") + sentence
            el.text = (el.text or "") + add
            deficit -= len(add.encode("utf-8"))
        if serialized_size(root) >= target:
            break
    for el, _ in slots:
        sentences = added.pop(id(el), None)
        if not sentences:
            continue
        base = el.text[: len(el.text) - len(" ".join(sentences))]
        plain = [s for s in sentences if prose.when(s) is None]
        stamped = sorted((s for s in sentences if prose.when(s) is not None), key=lambda s: prose.when(s))
        el.text = base + " ".join(plain + stamped)
