"""Test settings: the real settings plus a small example document (tests/exampleapp).

DATABASE_URL picks the database exactly as in production (SQLite by default)."""

import os
import tempfile

os.environ.setdefault("SALESDEPT_HOME", tempfile.mkdtemp(prefix="salesdept-test-"))

from salesdept.settings import *  # noqa: E402,F403
from salesdept.settings import DATABASES, INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.exampleapp"]

# SQLite: a file (not :memory:) so that threads and the live server share one database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["SALESDEPT_HOME"], "test.sqlite3")}

# Hashing with Argon2 costs ~50 ms per user; production settings are tested on their own.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# whitenoise serves from STATIC_ROOT (empty in tests: the finders serve the app files).
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
