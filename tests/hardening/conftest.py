import pytest


@pytest.fixture
def member(db):
    """Make a portal user in a seeded organisation: member("name", org_her_id, role)."""
    from django.contrib.auth import get_user_model

    from samhand.accounts.models import Membership
    from samhand.directory.models import Organisation

    def make(username, her_id, role="saksbehandler", password="Passord-for-test-1", **extra):
        user = get_user_model().objects.create_user(username=username, password=password, **extra)
        Membership.objects.create(user=user, organisation=Organisation.objects.get(her_id=her_id), role=role)
        return user
    return make
