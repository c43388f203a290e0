"""An EPR vendor integrates from the docs page alone: the OpenAPI document explains the workflow and
the two ids, names every value of state/type/code, shows realistic examples for every operation, and
lists each endpoint's own problem codes; problem types are pages on the node itself."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from samhand import kith
from samhand.api.docs import example_msghead, title_of
from samhand.kith.codes import ERRORS_8221
from samhand.lib.problems import CATALOGUE, MEDIA_TYPE

from personas import TROMSO_NURSING, UNN_MED_TROMSO

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def resolve(spec, schema: dict) -> dict:
    if "anyOf" in schema:  # an optional body: the schema that is not null
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return resolve(spec, schema["items"])
    return schema


def has_example(spec, content: dict) -> bool:
    for media in content.values():
        if media.get("schema", {}).get("format") == "binary":
            return True  # a file (the manual-routine PDF): nothing to show inline
        if "example" in media or media.get("examples"):
            return True
        if resolve(spec, media.get("schema", {})).get("examples"):
            return True
    return False


def enums_in(spec, schema: dict, seen=None) -> set[str]:
    seen = seen if seen is not None else set()
    found = set()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return found
        seen.add(name)
        return enums_in(spec, spec["components"]["schemas"][name], seen)
    for key, sub in schema.get("properties", {}).items():
        if "enum" in sub or "enum" in str(sub.get("anyOf", "")):
            found.add(key)
        found |= enums_in(spec, sub, seen)
    for key in ("items", "anyOf", "oneOf", "allOf"):
        value = schema.get(key)
        for sub in (value if isinstance(value, list) else [value] if value else []):
            found |= enums_in(spec, sub, seen)
    return found


def test_the_description_explains_the_workflow_and_the_two_ids(spec):
    text = spec["info"]["description"]
    for step in ("Poll", "Fetch", "PUT /messages/{inboxId}/read", "POST /messages/{inboxId}/apprec"):
        assert step in text
    assert "message id" in text and "inbox id" in text and "msgId" in text
    assert "application/problem+json" in text


def test_every_operation_has_examples_enums_and_its_own_problem_codes(spec):
    code_enum = set(spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    assert code_enum == set(CATALOGUE)
    error_lists = set()
    for name, op in operations(spec):
        assert op.get("summary"), name
        ok = {s: r for s, r in op["responses"].items() if int(s) < 400}
        for status, response in ok.items():
            if "content" in response:
                assert has_example(spec, response["content"]), f"{name} {status}: no example"
        if "requestBody" in op:
            assert has_example(spec, op["requestBody"]["content"]), f"{name}: request without example"
        problems = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        if op.get("security"):
            assert "401" in problems, name
        enums = set()
        for status, response in problems.items():
            assert list(response["content"]) == [MEDIA_TYPE], f"{name} {status}"
            examples = response["content"][MEDIA_TYPE]["examples"]
            assert examples, f"{name} {status}: no example"
            for code, example in examples.items():
                assert example["value"]["code"] == code and code in code_enum
                assert example["value"]["status"] == int(status)
                assert urlsplit(example["value"]["type"]).path == f"/api/v1/problems/{code}"
                assert f"`{code}`" in response["description"]
            enums.add("code")
        for response in ok.values():
            for media in response.get("content", {}).values():
                enums |= enums_in(spec, media.get("schema", {}))
        assert enums, f"{name}: no enum anywhere"
        error_lists.add(tuple(sorted((s, tuple(sorted(r["content"][MEDIA_TYPE]["examples"])))
                                     for s, r in problems.items())))
    assert len(error_lists) >= 8, "endpoints should list their own errors, not the same set everywhere"


def test_state_type_and_role_are_enums(spec):
    schemas = spec["components"]["schemas"]
    assert "LOG_INNLAGT" in schemas["InboxEntry"]["properties"]["type"]["enum"]
    assert "APPREC" in schemas["StatusOut"]["properties"]["type"]["enum"]
    states = set(schemas["StatusOut"]["properties"]["state"]["enum"])
    assert {"queued", "delivered", "acknowledged", "rejected", "failed"} <= states
    assert set(schemas["DeliveryOut"]["properties"]["role"]["enum"]) == {"primary", "copy"}
    assert {"apprec-received", "read"} <= set(schemas["EventOut"]["properties"]["kind"]["enum"])


def test_titles_are_readable(spec):
    assert "Receiverherids" not in str(spec)
    for name, schema in spec["components"]["schemas"].items():
        for prop, sub in schema.get("properties", {}).items():
            assert sub["title"] == title_of(prop), (name, prop)
    assert title_of("receiverHerIds") == "Receiver HER-ids" and title_of("originalMsgId") == "Original MsgId"
    params = {p["name"]: p for _, op in operations(spec) for p in op.get("parameters", [])}
    assert params["receiverHerIds"]["schema"]["title"] == "Receiver HER-ids"


def test_the_example_msghead_is_a_real_message_the_node_accepts(spec, unn, schema_dir):
    body = spec["paths"]["/api/v1/messages"]["post"]["requestBody"]["content"]["application/json"]
    example = resolve(spec, body["schema"])["examples"][0]
    xml = base64.b64decode(example["businessDocument"])
    assert xml == example_msghead()
    head = kith.parse_msghead(xml)
    assert head.msg_type == "LOG_INNLAGT" and head.sender.her_id == UNN_MED_TROMSO
    assert head.receiver.her_id == TROMSO_NURSING
    assert kith.validate_message(xml, kith.SchemaSet(schema_dir)).ok
    response = unn.send(xml)
    assert response.status_code == 202, response.content


def test_problem_types_are_pages_on_the_node(client, unn, settings):
    refused = unn.send(example_msghead().replace(TROMSO_NURSING.encode(), b"9999999"))
    assert refused.status_code == 422 and refused["Content-Type"] == MEDIA_TYPE
    problem = refused.json()
    assert problem["code"] == "E21"
    assert problem["type"] == settings.PUBLIC_URL.rstrip("/") + "/api/v1/problems/E21"
    assert "example" not in problem["type"]
    page = client.get(urlsplit(problem["type"]).path)  # no key needed: documentation
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "Mottaker finnes ikke" in page.content.decode() and "address register" in page.content.decode()
    as_json = client.get("/api/v1/problems/E21", HTTP_ACCEPT="application/json").json()
    assert as_json["code"] == "E21" and as_json["status"] == 422
    listed = client.get("/api/v1/problems", HTTP_ACCEPT="application/json").json()
    assert {p["code"] for p in listed} == set(CATALOGUE)
    assert client.get("/api/v1/problems/Z99", HTTP_ACCEPT="application/json").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/messages/x/y/z", "/api/v2/messages", "/api/"])
def test_unknown_api_paths_answer_with_json_problems(db, path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as an EPR calls: no CSRF cookie
    for response in (client.get(path), client.post(path, {}, content_type="application/json")):
        assert response.status_code == 404
        assert response["Content-Type"] == MEDIA_TYPE
        assert response.json()["code"] == "not-found"


def test_the_catalogue_covers_every_code_the_node_refuses_with():
    assert set(ERRORS_8221) <= set(CATALOGUE)
    raised = set()
    for source in (REPO / "samhand").rglob("*.py"):
        raised |= set(re.findall(r'Refused\(\s*"([^"]+)"', source.read_text(encoding="utf-8")))
        raised |= set(re.findall(r'problem\(\s*\d+,\s*"([^"]+)"', source.read_text(encoding="utf-8")))
    assert raised and raised <= set(CATALOGUE), raised - set(CATALOGUE)


def test_the_integration_guide_is_a_complete_curl_session():
    guide = (REPO / "docs" / "epr-integration.md").read_text(encoding="utf-8")
    for call in ("curl", "POST", "BASE=http://127.0.0.1:8000/api/v1", "$BASE/messages?receiverHerIds", "/business-document", "/read",
                 "/apprec", "/status", "application/problem+json"):
        assert call in guide, call
