"""Start the test provider: `python serve.py` with PROVIDER_* in the environment.

Migrates its own SQLite file, creates the people PROVIDER_USERS (password "pw") and the portal as a
confidential client, then serves on PROVIDER_PORT and prints READY.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "provider_settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import WSGIServer, get_internal_wsgi_application, run  # noqa: E402, F401
from oauth2_provider.models import get_application_model  # noqa: E402

call_command("migrate", verbosity=0)
for username in os.environ["PROVIDER_USERS"].split(","):
    get_user_model().objects.create_user(username=username, password="pw")
Application = get_application_model()
Application.objects.create(
    name="samhand", client_id=os.environ["PROVIDER_CLIENT_ID"], client_secret="unused-private-key-jwt-only",
    client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=os.environ["PROVIDER_REDIRECT_URI"], algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True)

from django.core.wsgi import get_wsgi_application  # noqa: E402

print("READY", flush=True)
run("127.0.0.1", int(os.environ["PROVIDER_PORT"]), get_wsgi_application(), threading=True)
