"""Hostile XML is refused with the right AppRec code, and never makes the parser open a file."""

from __future__ import annotations

import codecs
import os
import threading
from pathlib import Path

import pytest

from samhand.kith import KithError, SchemaSet, parse_xml, validate_message

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz a="&lol9;">&lol9;</lolz>"""

# {target} is replaced by a file URL the parser must never open.
HOSTILE_WITH_TARGET = {
    "external-entity": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "{target}">]><a>&x;</a>',
    "external-parameter-entity": '<!DOCTYPE a [<!ENTITY % x SYSTEM "{target}"> %x;]><a/>',
    "external-dtd": '<!DOCTYPE a SYSTEM "{target}"><a/>',
    "public-dtd": '<!DOCTYPE a PUBLIC "-//X//DTD X//EN" "{target}"><a/>',
}


def _code(data: bytes) -> str:
    with pytest.raises(KithError) as caught:
        parse_xml(data)
    return caught.value.code


def test_billion_laughs_is_t01() -> None:
    assert _code(LAUGHS) == "T01"


def test_etc_passwd_entity_is_t01_and_not_read() -> None:
    data = b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    with pytest.raises(KithError) as caught:
        parse_xml(data)
    assert caught.value.code == "T01"
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize("template", HOSTILE_WITH_TARGET.values(), ids=HOSTILE_WITH_TARGET.keys())
def test_external_references_never_open_the_target(template: str, tmp_path: Path) -> None:
    outcome = _run_against_fifo(tmp_path, lambda target: _code(template.format(target=target).encode()))
    assert outcome == "T01"


def test_schema_validation_ignores_xsi_schema_location(tmp_path: Path, schemas: SchemaSet, plo_sample: bytes) -> None:
    def validate(target: str) -> bool:
        data = plo_sample.replace(b"MsgHead-v1_2.xsd", target.encode())
        return validate_message(data, schemas).ok

    assert _run_against_fifo(tmp_path, validate) is True


def _run_against_fifo(tmp_path: Path, action):  # noqa: ANN001, ANN202
    """Run action(file URL of a FIFO) and fail if anything opened the FIFO for reading.

    Opening a FIFO for reading blocks until a writer appears, and a non-blocking open for writing
    succeeds only while a reader holds it: so a reader is detected for certain, nothing hangs.
    """
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    outcome: dict[str, object] = {}
    worker = threading.Thread(target=lambda: outcome.update(value=action(fifo.as_uri())), daemon=True)
    worker.start()
    worker.join(10)
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        reader = False
    else:
        reader = True
        os.close(fd)  # unblock the reader with EOF
    assert not reader, "the XML machinery opened an external file"
    assert "value" in outcome, "the action did not finish"
    return outcome["value"]


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"<a>", b"<a></b>", b"not xml at all", b"<a/><b/>", b"\x00\x01"],
    ids=["empty", "blank", "unclosed", "mismatched", "text", "two-roots", "binary"],
)
def test_not_well_formed_is_t01(data: bytes) -> None:
    assert _code(data) == "T01"


def test_too_large_is_t99_before_parsing() -> None:
    data = b"<a>" + b"x" * 2000 + b"</a>"
    with pytest.raises(KithError) as caught:
        parse_xml(data, max_bytes=1000)
    assert caught.value.code == "T99"
    assert "2007 bytes" in caught.value.text
    # A size check before parsing also refuses garbage without looking at it.
    with pytest.raises(KithError, match="^T99"):
        parse_xml(b"\x00" * 11, max_bytes=10)


@pytest.mark.parametrize("depth", [201, 300, 100_000])
def test_too_deep_is_t01(depth: int) -> None:
    assert _code(b"<a>" * depth + b"</a>" * depth) == "T01"


def test_depth_limit_is_inclusive() -> None:
    assert parse_xml(b"<a>" * 200 + b"</a>" * 200).tag == "a"


def test_accepts_declaration_bom_and_other_encodings() -> None:
    assert parse_xml(b"<a/>").tag == "a"
    assert parse_xml(codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="UTF-8"?><a/>').tag == "a"
    assert parse_xml('<?xml version="1.0" encoding="UTF-16"?><å>ø</å>'.encode("utf-16")).text == "ø"
    assert parse_xml(b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe6</a>').text == "æ"


def test_rejects_str() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_error_str_is_code_and_text() -> None:
    error = KithError("T01", "line 3: bad")
    assert (str(error), error.code, error.text) == ("T01: line 3: bad", "T01", "line 3: bad")
