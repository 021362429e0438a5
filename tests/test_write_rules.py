"""The rules every session write keeps, whichever way it arrives (API, pages, CLI), and
the migration that leaves exactly one local owner."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backease.core.errors import InputError
from backease.store import services
from backease.store.models import Person, Session

PROFILE = {"areas": [{"region": "lats_left", "pain": 5}], "tools": ["hands", "wall"], "minutes": 8}


@pytest.fixture
def session(db: Any) -> Session:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    return services.start_session(person, services.make_plan(person, seed=1))


def stale(session: Session) -> Session:
    """Another request's copy of the session, read before the change under test."""
    return Session.objects.get(pk=session.pk)


def test_a_save_from_a_stale_copy_changes_only_its_own_fields(session: Session) -> None:
    old = stale(session)
    services.log_step(session, 0, feedback="sharp_pain")
    services.edit_session(old, notes="written in another tab", pain_before=4)
    row = Session.objects.get(pk=session.pk)
    assert (row.status, row.stop_reason, row.notes, row.pain_before) == (
        "stopped",
        "sharp pain",
        "written in another tab",
        4,
    )
    assert old.status == "stopped"  # the caller's copy now shows what is stored


def test_a_stale_copy_cannot_set_an_ended_session_running_or_finish_it_differently(session: Session) -> None:
    old = stale(session)
    services.log_step(session, 0, feedback="sharp_pain")
    for status in ("running", "completed", "skipped"):
        with pytest.raises(InputError, match="already ended"):
            services.update_session(old, status=status, notes="lost?")
    row = Session.objects.get(pk=session.pk)
    assert (row.status, row.stop_reason, row.notes) == ("stopped", "sharp pain", "")
    services.finish_session(old, "stopped")  # the same status again is a retry: fine


def test_a_stop_reason_is_never_erased_or_replaced(session: Session) -> None:
    services.log_step(session, 0, feedback="sharp_pain")
    for reason in ("", "interrupted"):
        with pytest.raises(InputError) as caught:
            services.update_session(stale(session), stop_reason=reason)
        assert caught.value.field == "stop_reason"
    services.update_session(stale(session), stop_reason="sharp pain")  # unchanged: fine
    assert Session.objects.get(pk=session.pk).stop_reason == "sharp pain"


def test_an_interrupt_after_a_stop_elsewhere_leaves_the_stop_as_it_was(session: Session) -> None:
    old = stale(session)
    services.log_step(session, 0, feedback="sharp_pain")
    services.stop_session(old, "interrupted")
    row = Session.objects.get(pk=session.pk)
    assert (row.status, row.stop_reason) == ("stopped", "sharp pain")


def test_the_end_time_is_set_once(session: Session) -> None:
    services.finish_session(session, "completed")
    first = Session.objects.get(pk=session.pk).finished_at
    assert first is not None
    services.finish_session(stale(session), "completed", pain_after=2)
    assert Session.objects.get(pk=session.pk).finished_at == first


def test_a_bad_field_in_a_step_save_writes_nothing(session: Session) -> None:
    with pytest.raises(InputError):
        services.log_step(session, 0, seconds_done=30, feedback="nonsense")
    assert session.steps.get(index=0).seconds_done == 0


def test_local_owner_is_created_once_and_found_again(db: Any) -> None:
    first = services.local_owner()
    assert services.local_owner().pk == first.pk
    assert list(Person.objects.values_list("key", flat=True)) == ["local"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_entries_of_extra_owners_onto_the_first() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("store", "0002_technique_choices_and_schedule")])
    apps = executor.loader.project_state([("store", "0002_technique_choices_and_schedule")]).apps
    OldPerson = apps.get_model("store", "Person")
    PainEntry = apps.get_model("store", "PainEntry")
    Choice = apps.get_model("store", "TechniqueChoice")
    people = [OldPerson.objects.create() for _ in range(3)]
    for n, person in enumerate(people):
        PainEntry.objects.create(person=person, at="2025-01-01T00:00:00Z", pain=n)
        Choice.objects.create(person=person, technique="doorway_pec_stretch", reason=f"from {n}")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    owner = Person.objects.get()
    assert owner.pk == people[0].pk and owner.key == "local"
    assert sorted(owner.pain_entries.values_list("pain", flat=True)) == [0, 1, 2]
    assert list(owner.technique_choices.values_list("reason", flat=True)) == ["from 0"]
