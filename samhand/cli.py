"""The `samhand` console script: the project's management commands.

`samhand demo`, `samhand worker`, `samhand send FILE --as HERID`, … are
Django management commands; this wrapper picks the settings module and, for
the demo, the local demo mode (SQLite, generated secret) unless told otherwise.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhand.settings")
    if args and args[0] in ("demo", "simulate"):
        os.environ.setdefault("SAMHAND_MODE", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["samhand", *args])


if __name__ == "__main__":
    main()
