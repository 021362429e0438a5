"""'Delete everything' in server mode deletes the client's self-care data and ends their
care links, telling each therapist; the access log stays (it goes only with the account).
Before, it deleted the person row: the access log went with it and the therapist lost the
link without a word."""

from __future__ import annotations

import pytest

from backease.accounts.access_log import log_access
from backease.accounts.models import AccessLog, User
from backease.clinic.models import CareLink, Flag, Notice, Programme
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Screening, Session
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_delete_everything_ends_the_links_tells_the_therapist_and_keeps_the_access_log(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, {})
    services.add_pain_entry(person_a, pain=8)  # raises a flag for the therapist
    Programme.objects.create(therapist=therapist, client=person_a, title="Desk", days_per_week=3)
    log_access(therapist, person_a, "view", "client page")
    assert Flag.objects.filter(client=person_a).exists()
    browser = signed_in(client_a)
    page = browser.get("/delete-everything/").content.decode()
    assert "this server" in page and "access log" in page and "stop sharing" in page
    assert browser.post("/delete-everything/").status_code == 200

    for model in (PainEntry, Screening, Plan, Session):
        assert not model.objects.filter(person=person_a).exists(), model.__name__
    assert not Programme.objects.filter(client=person_a).exists()
    assert not Flag.objects.filter(client=person_a).exists()
    assert Person.objects.filter(pk=person_a.pk).exists()
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == "client"
    notice = Notice.objects.get(recipient=therapist, kind="link_ended")
    assert "deleted everything" in notice.text and client_a.email in notice.text
    assert AccessLog.objects.filter(subject=person_a, what="client page").exists()
    assert "client page" in browser.get("/me/access-log/").content.decode()
    assert signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/").status_code == 404
