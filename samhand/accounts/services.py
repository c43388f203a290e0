"""Creating and changing portal users (the CLI and the admin validate, these act)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from samhand.directory.models import Organisation

from .models import Membership


class UserError(ValueError):
    pass


def organisation_by_number(org_number: str) -> Organisation:
    org = Organisation.objects.filter(org_number=org_number.strip()).first()
    if org is None:
        raise UserError(f"no organisation with organisation number {org_number}")
    return org


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError("; ".join(exc.messages)) from None


@transaction.atomic
def create_user(*, username: str, password: str, org_number: str, role: str, email: str = ""):
    """A new portal user in one organisation with one role."""
    if role not in Membership.Role.values:
        raise UserError(f"role must be one of {', '.join(Membership.Role.values)}")
    org = organisation_by_number(org_number)
    user_model = get_user_model()
    username = username.strip()
    if not username:
        raise UserError("username is empty")
    if user_model.objects.filter(username__iexact=username).exists():
        raise UserError(f"user {username} exists already")
    user = user_model(username=username, email=email)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def set_password(*, username: str, password: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UserError(f"no user {username}")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def set_active(*, username: str, active: bool):
    updated = get_user_model().objects.filter(username=username).update(is_active=active)
    if not updated:
        raise UserError(f"no user {username}")
