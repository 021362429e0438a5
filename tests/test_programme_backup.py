"""Programmes in the backup (docs/exports.md): a backup carries each run with its decided
weeks and check-ins and restores them as they were, in memory and record by record; a backup
made before programmes existed (no `programmes` section) still restores; a bad programme record
is refused by name with nothing written; "delete everything" removes them."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from backease.core.errors import InputError
from backease.exports.backup import load_backup, make_backup, restore_backup
from backease.store import programmes, services
from backease.store.models import CheckIn, Person, ProgrammeRun, ProgrammeWeek

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 12, 14, 0, tzinfo=UTC)


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 15})
    services.record_screening(person, {})
    programmes.start_programme(person, weeks=4, days="mon,thu", time="08:00", now=NOW)
    programmes.record_checkin(person, pain=5, activity="carrying bags", activity_score=4, now=NOW)
    programmes.programme_view(person, datetime(2026, 10, 27, 12, 0, tzinfo=UTC))  # decides weeks 2 and 3
    return person


def rows() -> dict[str, list[dict[str, Any]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (ProgrammeRun, ProgrammeWeek, CheckIn)
    }


def test_a_backup_carries_programmes_and_restores_them_as_they_were(owner: Person) -> None:
    before = rows()
    data = json.loads(json.dumps(make_backup(owner)))
    assert len(data["programmes"]) == 1 and len(data["programmes"][0]["decided_weeks"]) == 3
    assert data["programmes"][0]["checkins"][0]["activity"] == "carrying bags"
    Person.objects.all().delete()
    counts = restore_backup(data)
    assert counts["programmes"] == 1 and counts["checkins"] == 1
    assert rows() == before
    view = programmes.programme_view(services.local_owner(), datetime(2026, 10, 27, 12, 0, tzinfo=UTC))
    assert view is not None and view.week == 3 and view.checkins[0].pain == 5


def test_a_backup_file_restored_record_by_record_carries_them_too(owner: Person) -> None:
    before = rows()
    raw = json.dumps(make_backup(owner)).encode()
    Person.objects.all().delete()
    counts = restore_backup(load_backup(io.BytesIO(raw)))
    assert counts["programmes"] == 1 and rows() == before


def test_a_backup_without_programmes_restores_as_before(owner: Person) -> None:
    data = json.loads(json.dumps(make_backup(owner)))
    del data["programmes"]
    Person.objects.all().delete()
    counts = restore_backup(copy.deepcopy(data))
    assert counts["programmes"] == 0 and not ProgrammeRun.objects.exists()
    Person.objects.all().delete()
    restore_backup(load_backup(io.BytesIO(json.dumps(data).encode())))
    assert not ProgrammeRun.objects.exists() and Person.objects.count() == 1
    assert "programmes" not in make_backup(services.local_owner())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["programmes"][0].update(status="paused"), "programmes[0].status"),
        (lambda d: d["programmes"][0].update(started_on="12/10/2026"), "programmes[0].started_on"),
        (lambda d: d["programmes"][0]["decided_weeks"][0].update(action="sideways"), "action"),
        (lambda d: d["programmes"][0]["decided_weeks"][1]["dose"].update(minutes="lots"), "dose"),
        (lambda d: d["programmes"][0]["checkins"][0].update(pain=12), "pain"),
        (lambda d: d["programmes"][0]["checkins"][0].update(pgic=9), "pgic"),
        (
            lambda d: d["programmes"].append(
                d["programmes"][0] | {"id": 99, "decided_weeks": [], "checkins": []}
            ),
            "status",
        ),
    ],
)
def test_a_bad_programme_record_is_refused_by_name_and_nothing_is_written(
    owner: Person, change: Any, field: str
) -> None:
    data = json.loads(json.dumps(make_backup(owner)))
    change(data)
    Person.objects.all().delete()
    for given in (copy.deepcopy(data), load_backup(io.BytesIO(json.dumps(data).encode()))):
        with pytest.raises(InputError) as error:
            restore_backup(given)
        assert error.value.field.startswith("programmes[") and error.value.field.endswith(field), error.value
        assert not Person.objects.exists() and not ProgrammeRun.objects.exists()


def test_delete_everything_removes_programmes(owner: Person) -> None:
    services.delete_everything(owner)
    assert (
        not ProgrammeRun.objects.exists()
        and not ProgrammeWeek.objects.exists()
        and not CheckIn.objects.exists()
    )
