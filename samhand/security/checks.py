"""Start-up refusals (Django system checks): production fails closed, not at the first message.

Django runs these before every management command (the worker, `samhand doctor`,
migrate, runserver); samhand.wsgi and samhand.asgi run them before serving.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from samhand.lib.clientip import parse_networks


def _schema_problem(schema_dir) -> str | None:
    if not schema_dir:
        return "SAMHAND_SCHEMA_DIR is not set"
    path = Path(schema_dir)
    if not path.is_dir():
        return f"SAMHAND_SCHEMA_DIR {path} is not a directory"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"SAMHAND_SCHEMA_DIR {path} is not readable"
    for root, _dirs, files in os.walk(path):
        for name in files:
            if name.lower().endswith(".xsd"):
                if os.access(Path(root) / name, os.R_OK):
                    return None
                return f"{Path(root) / name} is not readable"
    return f"SAMHAND_SCHEMA_DIR {path} holds no XSD files"


@register(Tags.security)
def production_refusals(app_configs=None, **kwargs):
    errors = []
    try:
        parse_networks(getattr(settings, "SAMHAND_TRUSTED_PROXIES", ()))
    except ImproperlyConfigured as exc:
        errors.append(Error(f"SAMHAND_TRUSTED_PROXIES: {exc}", id="samhand.E106"))
    if getattr(settings, "MODE", "production") != "production":
        return errors
    if settings.DEBUG:
        errors.append(Error("SAMHAND_DEBUG is on in production: the debug page shows settings and data",
                            hint="Unset SAMHAND_DEBUG.", id="samhand.E101"))
    problem = _schema_problem(settings.SAMHAND_SCHEMA_DIR)
    if problem:
        errors.append(Error(f"no readable schema set: {problem}; messages would be checked for structure only",
                            hint="Point SAMHAND_SCHEMA_DIR at the official KITH/e-helse schema set.",
                            id="samhand.E102"))
    if not settings.SAMHAND_KEY_SECRET:
        errors.append(Error("SAMHAND_KEY_SECRET is not set: hosted parties' private keys cannot be opened",
                            id="samhand.E103"))
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") and not settings.SAMHAND_ALLOW_SQLITE:
        errors.append(Error("production on SQLite", hint="Set DATABASE_URL to PostgreSQL, or "
                            "SAMHAND_ALLOW_SQLITE=1 for a single small node.", id="samhand.E104"))
    if urlsplit(settings.PUBLIC_URL or "").scheme != "https":
        errors.append(Error(f"SAMHAND_PUBLIC_URL {settings.PUBLIC_URL!r} is not https", id="samhand.E105"))
    oidc = [settings.SAMHAND_OIDC_ISSUER, settings.SAMHAND_OIDC_CLIENT_ID, settings.SAMHAND_OIDC_PRIVATE_KEY]
    if any(oidc) and not all(oidc):
        errors.append(Error("OpenID Connect half configured: set SAMHAND_OIDC_ISSUER, SAMHAND_OIDC_CLIENT_ID "
                            "and SAMHAND_OIDC_PRIVATE_KEY together", id="samhand.E107"))
    elif settings.SAMHAND_OIDC_ISSUER and urlsplit(settings.SAMHAND_OIDC_ISSUER).scheme != "https":
        errors.append(Error("SAMHAND_OIDC_ISSUER must be https in production", id="samhand.E108"))
    return errors


def refuse_unsafe_start() -> None:
    """For the WSGI/ASGI entry points: run the system checks as a management command would."""
    from django.core import checks

    serious = [m for m in checks.run_checks() if m.is_serious() and not m.is_silenced()]
    if serious:
        raise ImproperlyConfigured("refusing to start:\n" + "\n".join(str(m) for m in serious))
