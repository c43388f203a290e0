"""Error texts without the message's field values, for what the node stores about refusals.

A schema or profile error names where (line, element path), which rule (facet, type,
pattern) and the code; the value that broke the rule may be a name or a national identity
number, so it is replaced. Quoted names of elements, attributes, types, facets, patterns
and namespaces are kept; every other quoted text and every 11-digit number goes.
"""

from __future__ import annotations

import re

VALUE = "[verdi]"
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_KEEP_BEFORE = re.compile(r"(?:element|attribute|facet|type|pattern|namespace|schema|version)\s*$", re.IGNORECASE)
_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def redact_values(text: str) -> str:
    def replace(match: re.Match) -> str:
        before = text[max(0, match.start() - 12):match.start()]
        return match.group(0) if _KEEP_BEFORE.search(before) else VALUE

    return _ELEVEN_DIGITS.sub(VALUE, _QUOTED.sub(replace, text or ""))
