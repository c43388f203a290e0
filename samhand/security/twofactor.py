"""The second factor: TOTP (django-otp) for local password accounts, HelseID for OpenID Connect.

SAMHAND_OTP_REQUIRED is always on in production and cannot be turned off there; in the demo
(and the test suite) it is off unless asked for, and the login page says so. Every portal
role can reach patient data or run the node, and the admin is for administrators, so every
password login needs the code when it is on. A login through OpenID Connect (HelseID) is
strong authentication already (HelseID has done the second factor) and counts as verified.
"""

from __future__ import annotations

from django.conf import settings
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

STRONG = "samhand_strong_auth"  # session key: "totp" or "oidc"


def required() -> bool:
    return bool(settings.SAMHAND_OTP_REQUIRED)


def demo_skip() -> bool:
    """The demo lets its users in with a password only (the login page says so)."""
    return not required() and settings.MODE == "demo"


def check_code(user, code: str):
    """The user's confirmed TOTP device that accepts this code, or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    return match_token(user, code)


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def satisfied(request) -> bool:
    """Whether this session may see the portal and the admin."""
    if not required():
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if request.session.get(STRONG) == "oidc":
        return True
    return bool(getattr(user, "is_verified", lambda: False)())
