"""What a portal user may see: the organisation's HER-ids, and whether patient content.

Every user belongs to one organisation with one role (Membership). A user sees the
traffic of the organisation and its services; the node operator sees the metadata of
all traffic and never patient content (S3).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from samhand.directory.models import Organisation

from .models import Membership

Role = Membership.Role
# Who may acknowledge and resolve alerts and announce downtime for the organisation.
MANAGING_ROLES = frozenset({Role.MELDINGSANSVARLIG, Role.OPERATOR, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class Scope:
    user_id: int
    username: str
    organisation: Organisation
    role: str
    her_ids: frozenset[str]  # the organisation's own HER-id and those of its services
    hpr: str = ""  # health personnel's HPR number (the access broker's requests carry it)
    profession: str = ""

    @property
    def all_traffic(self) -> bool:
        """The node operator watches every partner's traffic (metadata only)."""
        return self.role == Role.OPERATOR

    @property
    def sees_content(self) -> bool:
        return self.role != Role.OPERATOR

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGING_ROLES

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def scope_for(user) -> Scope:
    """The scope of a logged-in member; PermissionDenied for anyone else (anonymous, no membership)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("not logged in")
    cached = getattr(user, "_samhand_scope", None)
    if cached is not None:
        return cached  # one look-up per request: the user object lives as long as the request
    try:
        membership = user.membership
    except ObjectDoesNotExist:
        raise PermissionDenied("no organisation") from None
    org = membership.organisation
    her_ids = frozenset([org.her_id, *org.parties.values_list("her_id", flat=True)])
    scope = Scope(user_id=user.pk, username=user.get_username(), organisation=org, role=membership.role,
                  her_ids=her_ids, hpr=membership.hpr_number, profession=membership.profession)
    user._samhand_scope = scope
    return scope
