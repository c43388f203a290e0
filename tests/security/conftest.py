import pytest


@pytest.fixture
def demo_ca(seeded, key_pool):
    """The demo CA of the seeded directory (its key comes from the session's key pool)."""
    from samhand import cms
    from samhand.directory.models import TrustedIssuer

    return cms.KeyPair(cms.load_certificate(TrustedIssuer.objects.get().pem.encode()), key_pool("ca"))
