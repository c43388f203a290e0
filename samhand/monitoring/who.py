"""Who acted, as recorded: callers pass a name, a user or an API client."""

from __future__ import annotations


def actor_name(by) -> str:
    if isinstance(by, str):
        return by
    for attr in ("get_username", "system"):
        value = getattr(by, attr, None)
        if value:
            return value() if callable(value) else str(value)
    return str(by)
