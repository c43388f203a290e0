"""The `.env` file the `samhand` command reads, and the one `samhand demo` writes.

The command line is where operators type, so it reads settings from a `.env` file as well as
from the environment (the environment wins). `SAMHAND_ENV_FILE` names the file; empty turns
reading off; unset means the nearest `.env` from the current directory upwards. Web and worker
processes under a process manager get their environment from it and read no file.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values, find_dotenv

# First line of a file `samhand demo` wrote; only such a file is rewritten on the next start.
DEMO_MARKER = "# Written by `samhand demo`"


def env_file() -> Path | None:
    named = os.environ.get("SAMHAND_ENV_FILE")
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    found = find_dotenv(usecwd=True)
    return Path(found) if found else None


def load_env_file() -> Path | None:
    """Put the file's variables into os.environ where they are not set already; the file used."""
    path = env_file()
    if path is None or not path.is_file():
        return None
    for name, value in dotenv_values(path).items():
        if value is not None:
            os.environ.setdefault(name, value)
    return path


def write_demo_env(path: Path, values: dict[str, str]) -> bool:
    """Write the demo's settings so later `samhand …` commands find the same node.

    A file the demo did not write (the operator's own) is left alone; False then.
    """
    if path.exists() and not path.read_text(encoding="utf-8").startswith(DEMO_MARKER):
        return False
    lines = [DEMO_MARKER + " (git-ignored; rewritten on every demo start; delete it to stop using it)."]
    lines += [f"{name}={value}" for name, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return True
