"""The API keeps its schema's promises (issue 14 API part; issue 15 "A huge list offset is a
500" and "The API schema in server mode").

What the schema allows, the API accepts; what the API refuses, the schema says: `limit` and
`offset` carry their range, every closed vocabulary is an enum taken from core.vocab (not a
copy), and in server mode the schema states its security schemes and every response code.
tests/test_schemathesis.py then checks all of it against the live server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backease.accounts.mode import person_for
from backease.accounts.tokens import create_token
from backease.core.vocab import INTENSITIES, KINDS, POSITIONS, PRECAUTIONS, REGIONS, SIDES, TOOLS
from backease.store import services
from tests.users import make_user

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}


def openapi(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def parameter(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    found = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert found, (path, name)
    return dict(found[0]["schema"])


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict)
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("offset=99999999999999999999", "offset"),
        ("offset=9223372036854775808", "offset"),
        ("limit=ten", "limit"),
    ],
)
@pytest.mark.parametrize("url", ["/api/sessions", "/api/pain"])
def test_a_list_limit_or_offset_out_of_range_is_a_422_naming_it_never_a_500(
    client: Client, url: str, query: str, field: str
) -> None:
    response = client.get(f"{url}?{query}")
    assert response.status_code == 422, response.content[:300]
    assert response.json()["detail"][0]["field"] == field


def test_the_largest_offset_the_schema_allows_gives_an_empty_page(client: Client) -> None:
    schema = openapi(client)
    for url in ("/api/sessions", "/api/pain"):
        limit, offset = parameter(schema, url, "limit"), parameter(schema, url, "offset")
        assert (limit["minimum"], limit["maximum"], offset["minimum"]) == (1, 500, 0)
        response = client.get(f"{url}?limit={limit['maximum']}&offset={offset['maximum']}")
        assert response.status_code == 200 and response.json() == []


def test_library_filters_are_enums_of_the_core_vocabulary(client: Client) -> None:
    schema = openapi(client)
    for name, ids in (("kind", KINDS), ("region", REGIONS), ("tool", TOOLS)):
        assert parameter(schema, "/api/library/techniques", name)["enum"] == ["", *ids]
        for value in ids:
            assert client.get(f"/api/library/techniques?{name}={value}").status_code == 200
    side = parameter(schema, "/api/library/techniques/{technique_id}", "side")
    assert side["enum"] == ["", "left", "right"]


def test_closed_vocabularies_in_bodies_and_answers_are_enums(client: Client) -> None:
    components = openapi(client)["components"]["schemas"]
    step = components["PlanStepOut"]["properties"]
    assert step["kind"]["enum"] == list(KINDS) and step["side"]["enum"] == list(SIDES)
    assert step["intensity"]["enum"] == list(INTENSITIES) and step["position"]["enum"] == list(POSITIONS)
    assert step["regions"]["items"]["enum"] == list(REGIONS) and step["tools"]["items"]["enum"] == list(TOOLS)
    precautions = components["PlanOut"]["properties"]["precautions"]["items"]["enum"]
    assert set(PRECAUTIONS) <= set(precautions) and f"avoid_region:{REGIONS[0]}" in precautions
    answers = components["ScreeningIn"]["properties"]["answers"]
    assert answers["additionalProperties"] is False
    assert answers["properties"]["chest_pain"]["type"] == ["boolean", "null"]
    assert answers["properties"]["age"]["minimum"] is not None
    swap = components["SwapIn"]["properties"]["technique"]
    assert "cat_cow" in swap["enum"]


def test_a_session_write_documents_the_safety_stop_409(client: Client) -> None:
    schema = openapi(client)
    refused = schema["components"]["schemas"]["Refused"]["properties"]
    assert {"reason", "level", "advice"} <= set(refused)
    for path, method in (
        ("/api/sessions", "post"),
        ("/api/sessions/{session_id}", "patch"),
        ("/api/sessions/{session_id}/steps/{index}", "put"),
        ("/api/sessions/{session_id}/finish", "post"),
    ):
        assert "409" in schema["paths"][path][method]["responses"], (path, method)


def test_personal_mode_asks_csrf_of_writes_and_nothing_of_reads(client: Client) -> None:
    schema = openapi(client)
    assert set(schema["components"]["securitySchemes"]) == {"csrfCookie", "csrfHeader"}
    for path, method, operation in operations(schema):
        if method in UNSAFE:
            assert operation["security"] == [{"csrfCookie": [], "csrfHeader": []}], (path, method)
            assert "403" in operation["responses"], (path, method)
        else:
            assert "security" not in operation, (path, method)


def test_the_server_mode_schema_states_its_security_and_every_response_code(
    client: Client, settings: Any
) -> None:
    settings.MODE = "server"
    schema = openapi(client)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for path, method, operation in operations(schema):
        if path == "/api/csrf":
            assert "security" not in operation
            continue
        session = {"sessionCookie": []} | ({"csrfCookie": [], "csrfHeader": []} if method in UNSAFE else {})
        assert operation["security"] == [{"bearerToken": []}, session], (path, method)
        assert {"401", "403"} <= set(operation["responses"]), (path, method)
    # And the server answers as documented: 401 without a token, 200 with one.
    assert client.get("/api/sessions").status_code == 401
    user = make_user("reader@example.org")
    person_for(user)
    _, secret = create_token(user, "test", ["read"])
    reading = client.get("/api/sessions", headers={"Authorization": f"Bearer {secret}"})
    assert reading.status_code == 200
    writing = client.post(
        "/api/pain",
        '{"pain": 3}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert writing.status_code == 401  # a read-only token cannot write
    assert not services.pain_entries(person_for(user))
