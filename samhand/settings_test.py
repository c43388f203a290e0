"""Settings for the test suite: the normal settings in test mode (local defaults, fast hashing)."""

import os

os.environ.setdefault("SAMHAND_MODE", "test")

from samhand.settings import *  # noqa: E402,F403

# Password hashing at full strength only slows the suite; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The directory caches stay on as in production (a look-up with its certificates is four
# queries); every test starts with them empty (tests/conftest.py), and a test that changes the
# directory behind the services' back says so with lib.cache.clear_all().
SAMHAND_DIRECTORY_CACHE_SECONDS = 60
# The API key cache has its own test; elsewhere a revoked key must fail at once.
SAMHAND_API_KEY_CACHE_SECONDS = 0
# Tests drain the worker in a few quick turns and expect every step in each (tests/test_worker_poll.py
# checks the polling interval itself).
SAMHAND_WORKER_POLL_SECONDS = 0
