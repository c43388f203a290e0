"""The Django admin behind the same door as the portal, logged, and blind to patient data.

- Login: the admin's own login page sends the browser to the portal's login, which is
  throttled and asks for the second factor; the admin answers only sessions that passed it.
- Every change made in the admin (add, change, delete) is written to the application log
  (logger samhand.security.admin) with who and what, besides Django's own LogEntry table.
- Fields that hold patient identifiers or content are excluded from every admin page,
  list, filter and search, whichever app registered the model (the access log's patient
  fields too): reading patient data goes through the portal, where it is logged.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from django.contrib import admin
from django.shortcuts import redirect, resolve_url

log = logging.getLogger("samhand.security.admin")

PATIENT_FIELD = re.compile(r"patient|pasient|national_id|fnr|^content$|payload|ciphertext|plaintext")


def _hidden(name: str) -> bool:
    return any(PATIENT_FIELD.search(part) for part in name.lstrip("^=@").split("__"))


def _strip(names):
    if not names:
        return names
    return type(names)(n for n in names if not (isinstance(n, str) and _hidden(n))) if isinstance(
        names, (list, tuple)) else names


def _blind(model_admin) -> None:
    """Exclude patient fields from one ModelAdmin (or inline) class or instance."""
    model = model_admin.model
    patient_fields = [f.name for f in model._meta.get_fields() if _hidden(f.name)]
    if not patient_fields:
        return
    model_admin.exclude = tuple(model_admin.exclude or ()) + tuple(
        f for f in patient_fields if f not in (model_admin.exclude or ()))
    for attr in ("readonly_fields", "fields", "list_display", "list_filter", "search_fields", "list_editable",
                 "list_display_links", "raw_id_fields", "autocomplete_fields"):
        value = getattr(model_admin, attr, None)
        if isinstance(value, (list, tuple)):
            setattr(model_admin, attr, _strip(value))
    if getattr(model_admin, "fieldsets", None):
        model_admin.fieldsets = [(title, {**opts, "fields": _strip(opts.get("fields", ()))})
                                 for title, opts in model_admin.fieldsets]


def blind_registered(site=None) -> None:
    site = site or admin.site
    for model_admin in site._registry.values():
        _blind(model_admin)
        for inline in getattr(model_admin, "inlines", ()):
            _blind(inline)


def _login(request, extra_context=None):
    """The admin's login is the portal's: throttled, with the second factor."""
    target = request.GET.get("next") or resolve_url("admin:index")
    return redirect(f"{resolve_url('portal:login')}?next={quote(target)}")


def _has_permission(original):
    def has_permission(request):
        from . import twofactor

        return original(request) and twofactor.satisfied(request)
    return has_permission


def _describe(obj) -> str:
    return f"{obj._meta.label} {obj.pk} «{obj}»"


def _logged_methods() -> None:
    cls = admin.ModelAdmin
    if getattr(cls, "_samhand_logged", False):
        return
    add, change, deletions = cls.log_addition, cls.log_change, cls.log_deletions

    def log_addition(self, request, obj, message):
        log.info("admin add by %s: %s %s", request.user.get_username(), _describe(obj), message)
        return add(self, request, obj, message)

    def log_change(self, request, obj, message):
        log.info("admin change by %s: %s %s", request.user.get_username(), _describe(obj), message)
        return change(self, request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            log.info("admin delete by %s: %s", request.user.get_username(), _describe(obj))
        return deletions(self, request, queryset)

    cls.log_addition, cls.log_change, cls.log_deletions = log_addition, log_change, log_deletions
    cls._samhand_logged = True


def install(site=None) -> None:
    site = site or admin.site
    if getattr(site, "_samhand_hardened", False):
        return
    site.login = _login
    site.has_permission = _has_permission(site.has_permission)
    _logged_methods()
    blind_registered(site)
    # django-otp's device admin shows the TOTP secrets: an admin could copy another user's second
    # factor. Devices are managed with `samhand signin totp` only.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site._samhand_hardened = True
