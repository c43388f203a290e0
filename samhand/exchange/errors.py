"""Why the node refuses a message or an action, in AppRec terms where one applies."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Refused(Exception):
    """A message or action the node will not take.

    ``code`` is the AppRec error code (code system 8221) when one fits, or a
    transport/profile condition (e.g. ``abuse:spoofing-attack``); the API turns
    it into RFC 9457 problem details with ``status``.
    """

    code: str
    reason: str
    status: int = 422
    errors: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.reason}")
        if not self.errors:
            self.errors = [(self.code, self.reason)]


class NotFound(Exception):
    """The object does not exist, or the caller may not know that it exists."""
