"""The one exception of the package, carrying an AppRec error code (code system 8221)."""

from __future__ import annotations


class KithError(Exception):
    """A message problem expressed as an AppRec error code (8221) and a precise English reason."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code, text)
        self.code = code
        self.text = text

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"
