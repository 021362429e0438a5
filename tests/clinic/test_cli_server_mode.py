"""The terminal's self-care commands act for the local owner of personal mode; on a
server-mode store they refuse in one line instead of writing data no account can see."""

from __future__ import annotations

from pathlib import Path

import pytest

from backease.__main__ import run
from backease.store.models import PainEntry, Person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "args", [["log", "4"], ["history"], ["plan"], ["screen", "--answers", "{answers}"], ["stats"]]
)
def test_self_care_commands_refuse_on_a_server_store_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    with pytest.raises(SystemExit) as exit_info:
        run([arg.replace("{answers}", str(answers)) for arg in args])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert len(err.strip().splitlines()) == 1 and "server mode" in err
    assert not Person.objects.exists() and not PainEntry.objects.exists()


@pytest.mark.parametrize("args", [["clinic", "daily"], ["server", "add-user", "new@example.org"]])
def test_operator_commands_refuse_in_personal_mode_instead_of_using_an_empty_database(
    capsys: pytest.CaptureFixture[str], settings: object, args: list[str]
) -> None:
    """Without the server's environment (cron's, say) `backease clinic daily` ran on the
    user's own empty SQLite file and said "Checked 0 clients", exit 0."""
    settings.MODE = "personal"  # type: ignore[attr-defined]
    with pytest.raises(SystemExit) as exit_info:
        run(args)
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert len(err.strip().splitlines()) == 1
    assert "server-mode command" in err and "backease-env" in err


def test_operator_commands_refuse_a_database_that_is_not_migrated(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backease.store.setup.pending_migrations", lambda: ["clinic.0099_new"])
    with pytest.raises(SystemExit) as exit_info:
        run(["clinic", "daily"])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "backease migrate" in err and "clinic.0099_new" in err
