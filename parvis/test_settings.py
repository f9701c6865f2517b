"""Settings for the test suite: the real settings, with a throwaway data folder, emails
kept in memory, a queue that only records, and loopback servers allowed."""

import os
import tempfile

os.environ.setdefault("PARVIS_DATA_DIR", tempfile.mkdtemp(prefix="parvis-test-"))
os.environ.setdefault("PARVIS_ALLOW_PRIVATE_URLS", "1")

from parvis.settings import *  # noqa: E402, F403
from parvis.settings import DATA_DIR, DATABASES, IS_SQLITE  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
PARVIS_BASE_URL = "http://testserver"
PARVIS_HTTP_TIMEOUT = 5.0
# Jobs go into an in-memory queue that tests inspect or drain themselves; tests of the
# real worker start `parvis worker` processes with their own (file or Redis) queue.
HUEY = {"huey_class": "huey.MemoryHuey", "name": "parvis-test", "immediate": False}
if IS_SQLITE:
    # A file, not :memory:, so that worker threads and processes see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
