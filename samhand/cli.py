"""The `samhand` console script: the project's management commands.

`samhand demo`, `samhand worker`, `samhand send FILE --as HERID`, … are Django management
commands; this wrapper reads the `.env` file (`samhand demo` writes one; see
samhand/lib/dotenv.py), picks the settings module and, for the demo, the local demo mode.
A configuration error is one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import os
import sys

# Django's own commands an operator of samhand needs, with what they do here.
DJANGO_COMMANDS = {
    "migrate": "Create or upgrade the database.",
    "runserver": "Development web server (production: gunicorn samhand.wsgi:application).",
    "collectstatic": "Copy static files to SAMHAND_STATIC_ROOT for the reverse proxy.",
    "createsuperuser": "Create a Django admin account (portal users: samhand user create).",
    "compilemessages": "Compile the translations (.po to .mo).",
}
LOCAL_COMMANDS = ("demo", "simulate", "help")
CONFIG_EXIT = 2


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def command_summaries() -> list[tuple[str, str]]:
    """samhand's own commands (and the Django ones it needs), one line each."""
    from django.core.management import get_commands, load_command_class

    rows = []
    for name, app in sorted(get_commands().items()):
        if app.startswith("samhand."):
            rows.append((name, _first_sentence(load_command_class(app, name).help or "")))
    rows += sorted(DJANGO_COMMANDS.items())
    return rows


def print_help() -> None:
    rows = command_summaries()
    width = max(len(name) for name, _ in rows)
    print("Usage: samhand <command> [options]   (samhand help <command> for its options)\n")
    for name, summary in rows:
        print(f"  {name.ljust(width)}  {summary}")
    print("\nSettings come from the environment and a .env file (see .env.example); "
          "`samhand help --all` lists every Django command.")


def _config_error(exc: Exception) -> None:
    print(f"samhand: configuration error: {exc}", file=sys.stderr)
    print("samhand: set it in the environment or in .env (see .env.example); `make demo` writes a local one.",
          file=sys.stderr)
    sys.exit(CONFIG_EXIT)


def main(argv: list[str] | None = None) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from samhand.lib.dotenv import load_env_file

    args = list(sys.argv[1:] if argv is None else argv)
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhand.settings")
    if args and args[0] in LOCAL_COMMANDS:
        os.environ.setdefault("SAMHAND_MODE", "demo")
    try:
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report their errors plainly
        django.setup()
        if not args or args == ["help"] or args[0] in ("-h", "--help"):
            print_help()
            return
        if args[:2] == ["help", "--all"]:
            args = ["help"]
        from django.core.management import execute_from_command_line

        execute_from_command_line(["samhand", *args])
    except ImproperlyConfigured as exc:
        _config_error(exc)


if __name__ == "__main__":
    main()
