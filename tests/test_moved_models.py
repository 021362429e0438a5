"""Models that moved between apps keep their rows: API tokens went from clinic mode to
accounts (accounts 0002 takes the table, clinic 0003 forgets its model), and so did the
access log (accounts 0003, clinic 0004). Run on SQLite and, in CI, on PostgreSQL, forwards
and back, on a database that has rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backease.accounts.access_log import log_access
from backease.accounts.models import AccessLog, ApiToken, User

BEFORE = [("accounts", "0001_initial"), ("clinic", "0002_invitation_claimed_by")]
"""The migrations as they stood before the move (clinic's ApiToken)."""

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_api_tokens_move_to_accounts_with_their_rows_and_back() -> None:
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(email="t@example.org", role="therapist")
    old.get_model("clinic", "ApiToken").objects.create(
        user_id=user.pk, name="cron", prefix="bk_abcdefg", digest="d" * 64, scopes=["read"]
    )
    assert "clinic_apitoken" in tables() and "accounts_apitoken" not in tables()

    migrate(latest())
    assert "accounts_apitoken" in tables() and "clinic_apitoken" not in tables()
    row = ApiToken.objects.get()
    assert (row.user.email, row.name, row.digest, row.scopes) == ("t@example.org", "cron", "d" * 64, ["read"])
    ApiToken.objects.create(
        user=User.objects.get(), name="second", prefix="bk_x", digest="e" * 64
    )  # ids go on

    executor = migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("clinic", "ApiToken")
    assert sorted(back.objects.values_list("name", flat=True)) == ["cron", "second"]
    assert "clinic_apitoken" in tables() and "accounts_apitoken" not in tables()
    migrate(latest())
    assert ApiToken.objects.count() == 2


BEFORE_ACCESS_LOG = [("accounts", "0002_api_tokens"), ("clinic", "0003_api_tokens_to_accounts")]
"""The migrations as they stood before the access log moved (clinic's AccessLog)."""


def test_the_access_log_moves_to_accounts_with_its_rows_and_back() -> None:
    executor = migrate(BEFORE_ACCESS_LOG)
    old = executor.loader.project_state(BEFORE_ACCESS_LOG).apps
    therapist = old.get_model("accounts", "User").objects.create(email="t@example.org", role="therapist")
    client = old.get_model("store", "Person").objects.create(name="Client")
    old.get_model("clinic", "AccessLog").objects.create(
        actor_id=therapist.pk,
        actor_label="t@example.org",
        subject_id=client.pk,
        action="view",
        what="pain chart",
    )
    assert "clinic_accesslog" in tables() and "accounts_accesslog" not in tables()

    migrate(latest())
    assert "accounts_accesslog" in tables() and "clinic_accesslog" not in tables()
    row = AccessLog.objects.get()
    assert (row.actor.email, row.subject.name, row.action, row.what) == (
        "t@example.org",
        "Client",
        "view",
        "pain chart",
    )
    # The person's page reads it through the moved model; a new line goes on after the old one.
    assert list(row.subject.access_log.values_list("what", flat=True)) == ["pain chart"]
    log_access(User.objects.get(), row.subject, "export", "clinician report")
    assert AccessLog.objects.filter(subject=row.subject).count() == 2

    executor = migrate(BEFORE_ACCESS_LOG)
    back = executor.loader.project_state(BEFORE_ACCESS_LOG).apps.get_model("clinic", "AccessLog")
    assert sorted(back.objects.values_list("what", flat=True)) == ["clinician report", "pain chart"]
    assert "clinic_accesslog" in tables() and "accounts_accesslog" not in tables()
    migrate(latest())
    assert AccessLog.objects.count() == 2
