"""One process-wide guard around libxml2's shared state.

libxml2 resolves a schema's imports through a process-wide entity loader, which lxml dispatches to
the resolvers of whichever parser is active; a document parsed in another thread while a schema
compiles can therefore answer the compilation's imports (our parser refuses every external
resource) and leave a schema missing declarations, which then refuses valid messages until the
process restarts. Compiling is rare (once per set of namespaces), parsing and validating are the
hot path: compilation takes the guard alone, parsing and validation share it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _SharedOrAlone:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._sharing = 0
        self._alone = False
        self._waiting_alone = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._alone or self._waiting_alone:
                self._cond.wait()
            self._sharing += 1
        try:
            yield
        finally:
            with self._cond:
                self._sharing -= 1
                if not self._sharing:
                    self._cond.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._cond:
            self._waiting_alone += 1
            while self._alone or self._sharing:
                self._cond.wait()
            self._waiting_alone -= 1
            self._alone = True
        try:
            yield
        finally:
            with self._cond:
                self._alone = False
                self._cond.notify_all()


GUARD = _SharedOrAlone()
