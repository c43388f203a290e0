"""Template filters of the portal: Norwegian numbers, party names, masked patient ids, labels."""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import labels

register = template.Library()


@register.filter
def tall(value):
    """A whole number with the locale's digit grouping (nb: 12 345)."""
    if value in (None, ""):
        return ""
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def party(her_id, names):
    """«Sykepleietjeneste, Tromsø kommune» for a HER-id, from a Names map of the page."""
    return names.label(her_id) if names is not None and her_id else ""


@register.filter
def masked(patient_id):
    """A national id as lists show it: the birth date part only (the full id is on the message page)."""
    if not patient_id:
        return ""
    return f"{patient_id[:6]} •••••" if len(patient_id) == 11 else "•" * len(patient_id)


@register.filter
def event_label(kind):
    return labels.event_label(kind)


@register.filter
def state_label(state):
    return labels.state_label(state) if state else ""


@register.filter
def state_css(state):
    return labels.STATE_CSS.get(state, "info")


@register.filter
def apprec_status(code):
    return labels.apprec_status(code)


@register.filter
def hours_since(value):
    """Whole hours since a moment, for ages of unanswered messages."""
    if not value:
        return ""
    return int((timezone.now() - value).total_seconds() // 3600)


@register.simple_tag
def age(value):
    """«3 t» or «2 d 4 t»: the age of an unanswered message, short enough for a table."""
    if not value:
        return ""
    hours = int((timezone.now() - value).total_seconds() // 3600)
    if hours < 1:
        return _("under 1 t")
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s t") % {"d": days, "h": hours} if days else _("%(h)s t") % {"h": hours}


@register.simple_tag(takes_context=True)
def msgtype(context, code):
    """«Melding om utskrivningsklar pasient» for LOG_UTSKRIVNINGSKLAR (code system 8279); the
    names are read once per request."""
    from samhand.chains.typenames import type_name, type_names

    request = context.get("request")
    if request is None:
        return type_name(code or "")
    names = getattr(request, "_samhand_type_names", None)
    if names is None:
        names = request._samhand_type_names = type_names()
    if code == "APPREC" or not code:
        return type_name(code or "")
    return names.get(code) or code


ID_TYPES = {"FNR": _("fødselsnummer"), "DNR": _("D-nummer"), "HNR": _("H-nummer"), "FHN": _("felles hjelpenummer")}


@register.filter
def verdi(value):
    """A value from a document as a Norwegian reader expects it (29.01.2018 kl. 10:00, Ja/Nei)."""
    from samhand.monitoring.readable import format_value

    if value in (None, ""):
        return ""
    return format_value(str(value))


@register.filter
def idtype(code):
    """«fødselsnummer» for FNR (code system 8116)."""
    return str(ID_TYPES.get(code, code or ""))
