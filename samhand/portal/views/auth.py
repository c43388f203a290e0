"""Log in (throttled per username and address) and out."""

from __future__ import annotations

import math

from django.contrib.auth import views as auth_views
from django.utils import timezone

from samhand.accounts import throttle
from samhand.security import oidc, twofactor
from samhand.security.forms import LoginForm

from ..decorators import LAST_ACTIVE


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    form_class = LoginForm

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        until = throttle.locked_until(username, throttle.client_ip(request))
        if until is not None:
            # Locked: the password is not checked at all, right or wrong.
            throttle.record_locked(username, throttle.client_ip(request), until)
            return self._locked(until)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")
        until = throttle.record_failure(username, throttle.client_ip(self.request))
        if until is not None:
            return self._locked(until)
        return super().form_invalid(form)

    def form_valid(self, form):
        throttle.record_success(form.get_user().get_username(), throttle.client_ip(self.request))
        response = super().form_valid(form)
        if form.otp_device is not None:
            from django_otp import login as otp_login

            otp_login(self.request, form.otp_device)
            self.request.session[twofactor.STRONG] = "totp"
        self.request.session[LAST_ACTIVE] = timezone.now().timestamp()
        return response

    def _locked(self, until):
        minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
        form = self.get_form_class()(self.request)
        return self.render_to_response(self.get_context_data(form=form, locked_minutes=minutes), status=429)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("utlopt") == "1"
        context["otp_required"] = twofactor.required()
        context["otp_demo_skip"] = twofactor.demo_skip()
        context["oidc_enabled"] = oidc.enabled()
        context["oidc_error"] = self.request.session.pop(oidc.ERROR, "")
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"
