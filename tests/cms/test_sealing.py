"""Content at rest under the node's data key: opens only with the same key and the same record."""

import pytest

from samhand.cms import CmsError, DataKey


def test_sealed_content_opens_with_the_same_key_and_record_only():
    key = DataKey(b"node secret")
    blob = key.seal(b"<MsgHead/>", b"message-1")
    assert b"MsgHead" not in blob
    assert key.unseal(blob, b"message-1") == b"<MsgHead/>"
    assert DataKey(b"node secret").unseal(blob, b"message-1") == b"<MsgHead/>"  # derived, not random
    with pytest.raises(CmsError) as wrong_record:
        key.unseal(blob, b"message-2")
    assert wrong_record.value.code == "S99"
    with pytest.raises(CmsError):
        DataKey(b"another secret").unseal(blob, b"message-1")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CmsError):
        key.unseal(tampered, b"message-1")


def test_two_seals_of_the_same_content_differ():
    key = DataKey(b"node secret")
    assert key.seal(b"x", b"m") != key.seal(b"x", b"m")


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError):
        DataKey(b"")
