"""The password login with the second factor checked in the same step.

Username, password and the code are judged together and a wrong one of any of them is the
same failure, counted by the throttle: there is no half-logged-in state to attack.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import twofactor


class LoginForm(AuthenticationForm):
    otp_token = forms.CharField(label=_("Engangskode"), required=False, max_length=12,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                              "inputmode": "numeric"}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Feil brukernavn, passord eller engangskode."),
    }

    otp_device = None

    def clean(self):
        cleaned = super().clean()
        if twofactor.required() and self.user_cache is not None:
            device = twofactor.check_code(self.user_cache, cleaned.get("otp_token", ""))
            if device is None:
                raise self.get_invalid_login_error()
            self.otp_device = device
        return cleaned
