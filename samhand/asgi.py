import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhand.settings")
application = get_asgi_application()

# Fail closed before serving: the same system checks every management command runs.
from samhand.security.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
