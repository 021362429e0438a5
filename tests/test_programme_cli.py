"""`backease programme start|show|checkin|stop` (issue 18 item 6): the programme from the
terminal, `--json` for scripts, and one line naming the option for bad input (exit 2)."""

from __future__ import annotations

import json

import pytest

from backease.cli.main import run
from backease.store import services
from backease.store.models import CheckIn, Person, ProgrammeRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 15})
    services.record_screening(person, {})
    return person


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_a_programme_starts_shows_takes_a_checkin_and_stops(
    owner: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "programme", "start", "--weeks", "4", "--days", "tue,thu", "--time", "07:30")
    assert code == 0, err
    assert "Week 1 of 4 · session 1 of" in out and "This week's dose: 15 min" in out
    assert services.schedule(owner) == (("tue", "thu"), "07:30")
    code, out, _ = cli(capsys, "programme", "show", "--json")
    data = json.loads(out)
    assert data["weeks"] == 4 and data["days"] == ["tue", "thu"] and data["checkin_due"] is True
    assert data["headline"].startswith("Week 1 of 4") and data["changes"][0]["action"] == "start"
    code, out, _ = cli(
        capsys, "programme", "checkin", "--pain", "6", "--activity", "lifting my child", "--score", "4"
    )
    assert code == 0 and "pain 6/10, lifting my child 4/10" in out
    code, out, _ = cli(capsys, "programme", "show")
    assert "check-in week 1: pain 6/10" in out and "check-in is due" not in out
    code, out, _ = cli(capsys, "programme", "stop", "--json")
    assert json.loads(out) == {"stopped": True}
    code, out, _ = cli(capsys, "programme", "show", "--json")
    assert json.loads(out) is None


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("start", "--weeks", "40"), "--weeks"),
        (("start", "--days", "mon,someday"), "--days"),
        (("start", "--time", "7pm"), "--time"),
        (("checkin", "--pain", "11", "--activity", "x", "--score", "3"), "--pain"),
        (("checkin", "--pain", "3", "--activity", "x", "--score", "-1"), "--score"),
        (("checkin", "--pain", "3", "--activity", "x", "--score", "3", "--pgic", "8"), "--pgic"),
        (("checkin", "--pain", "3", "--activity", "  ", "--score", "3"), "--activity"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_and_nothing_is_stored(
    owner: Person, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], option: str
) -> None:
    if args[0] == "checkin":
        cli(capsys, "programme", "start")
    runs = ProgrammeRun.objects.count()
    code, out, err = cli(capsys, "programme", *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and option in err and "Traceback" not in err, err
    assert ProgrammeRun.objects.count() == runs and not CheckIn.objects.exists()


def test_a_checkin_without_a_programme_says_to_start_one(
    owner: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "programme", "checkin", "--pain", "3", "--activity", "x", "--score", "3")
    assert code == 2 and "programme start" in err
    cli(capsys, "programme", "start")
    code, _, err = cli(capsys, "programme", "start")
    assert code == 2 and "already running" in err
