"""The Django settings with clinic mode left out of INSTALLED_APPS: the personal app (its
pages, Today, accounts, the admin, the API, the exports) runs without it.
tests/test_without_clinic.py runs the personal app's tests with these settings."""

from backease.web.settings import *  # noqa: F403
from backease.web.settings import DATA_DIR, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "backease.clinic"]
# Accounts' own adapter: sign-up by invitation is clinic mode's.
ACCOUNT_ADAPTER = "backease.accounts.adapter.AccountAdapter"

# A test database of its own, so that these tests may run while the others' is open.
_default = DATABASES["default"]
if _default["ENGINE"] == "django.db.backends.sqlite3":
    _default["TEST"] = {"NAME": str(DATA_DIR / "test-backease-without-clinic.sqlite3")}
else:
    _default["TEST"] = {"NAME": f"test_{_default['NAME']}_without_clinic"}
