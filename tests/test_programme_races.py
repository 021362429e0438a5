"""Programme writes that race, as real concurrent requests against the live server: two
tabs starting a programme make one, and requests that find a week's dose due at the same
moment decide it once (the same reasons for everyone, one row per week)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backease.store import programmes, services
from backease.store.models import ProgrammeRun, ProgrammeWeek
from tests.test_concurrency import Api, at_once

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = {"areas": [{"region": "between_shoulder_blades_left", "pain": 6}], "minutes": 15}


@pytest.fixture
def api(live_server: Any) -> Api:
    client = Api(live_server.url)
    assert client.call("PUT", "/api/profile", PROFILE)[0] == 200
    return client


def test_simultaneous_starts_make_one_programme(api: Api) -> None:
    results = at_once(*(lambda: api.call("POST", "/api/programme", {"weeks": 6}) for _ in range(6)))
    codes = sorted(code for code, _ in results)
    assert codes == [201, 409, 409, 409, 409, 409], results
    assert ProgrammeRun.objects.filter(status="active").count() == 1


def test_a_due_week_read_by_several_requests_at_once_is_decided_once(api: Api) -> None:
    owner = services.local_owner()
    programmes.start_programme(owner, now=timezone.now() - timedelta(days=15))  # now in week 3
    results = at_once(*(lambda: api.call("GET", "/api/programme") for _ in range(6)))
    assert all(code == 200 for code, _ in results), results
    reasons = {tuple(c["reason"] for c in body["changes"]) for _, body in results}
    assert len(reasons) == 1 and len(next(iter(reasons))) == 3, reasons
    assert ProgrammeWeek.objects.count() == 3
