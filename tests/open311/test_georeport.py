"""Open311 GeoReport v2 at /{slug}/open311/v2/: every endpoint in XML (parsed with the standard library)
and JSON with the spec's fields and types; filing a request with a key; the spec's errors with 400,
403 and 404; and nothing that identifies the person who complained in any answer."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from sqlalchemy import func, select

from satupintu.complaints.models import Complaint, ComplaintCategory
from satupintu.open311 import keys
from satupintu.queue.service import as_utc
from tests.conftest import app_client, in_tenant, run

BASE = "/banyuwangi/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
PERSONAL = ("Siti Aminah", "Siti", "Aminah", "siti.aminah@contoh.id", "0812 3456 7890", "081234567890")


def make_key(client, slug: str = "banyuwangi") -> str:
    async def made() -> str:
        async with in_tenant(client.database.url, slug) as session:
            return (await keys.create(session, "Sistem uji"))[1]
    return run(made())


def xml_of(response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.headers["content-type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response):
    assert response.headers["content-type"] == "application/json; charset=utf-8", response.headers["content-type"]
    return response.json()


def is_timestamp(text: str, offset: str = "+07:00") -> bool:
    """A W3C date and time with the regency's offset (Banyuwangi: WIB)."""
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + re.escape(offset), text))


def errors_of(response, fmt: str) -> list[tuple[int, str]]:
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    return [(e["code"], e["description"]) for e in json_of(response)]


def filing(key: str | None, **fields: str) -> dict[str, str]:
    data = {"service_code": "kualitas-layanan", "lat": "-8.2192", "long": "114.3691",
            "address_string": "Jl. Jenderal Sudirman, Banyuwangi",
            "description": "Persyaratan berubah-ubah, petugas meminta fotokopi tambahan.",
            "email": "siti.aminah@contoh.id", "phone": "0812 3456 7890", "first_name": "Siti", "last_name": "Aminah",
            **fields}
    if key is not None:
        data["api_key"] = key
    return data


def complaint_count(client, slug: str = "banyuwangi") -> int:
    async def count() -> int:
        async with in_tenant(client.database.url, slug) as session:
            return int(await session.scalar(select(func.count()).select_from(Complaint)))
    return run(count())


def test_discovery_in_xml_and_json(client):
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    for name in ("changeset", "contact", "key_service"):
        assert root.findtext(name), name
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == SPEC
    assert endpoint.findtext("url") == "http://testserver.local/banyuwangi/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    doc = json_of(client.get(f"{BASE}/discovery.json"))
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    assert doc["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert is_timestamp(doc["changeset"])
    assert "set-cookie" not in client.get(f"{BASE}/discovery.json").headers


def test_services_are_the_active_complaint_categories(client):
    async def categories() -> list[str]:
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return list((await session.scalars(select(ComplaintCategory.code).where(
                ComplaintCategory.active.is_(True)).order_by(ComplaintCategory.position))).all())

    codes = run(categories())
    assert len(codes) >= 5
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    found = root.findall("service")
    assert [s.findtext("service_code") for s in found] == codes
    for one in found:
        for name in ("service_code", "service_name", "description", "keywords", "group"):
            assert one.findtext(name), name
        assert one.findtext("metadata") in ("true", "false") and one.findtext("type") == "realtime"
    listed = json_of(client.get(f"{BASE}/services.json"))
    assert [s["service_code"] for s in listed] == codes
    assert all(isinstance(s["metadata"], bool) and s["type"] == "realtime" for s in listed)
    assert {s["service_code"]: s["metadata"] for s in listed}["kualitas-layanan"] is True
    assert {s["service_code"]: s["metadata"] for s in listed}["sarana"] is False
    english = client.get(f"{BASE}/services.json", headers={"accept-language": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in english}["sarana"] == "Facilities"


def test_service_definitions_with_their_attributes(client):
    root = xml_of(client.get(f"{BASE}/services/kualitas-layanan.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "kualitas-layanan"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["service", "agency"]
    for attribute in attributes:
        assert attribute.findtext("variable") == "true" and attribute.findtext("required") == "false"
        assert attribute.findtext("datatype") == "singlevaluelist" and attribute.findtext("description")
        assert int(attribute.findtext("order")) >= 1
        values = attribute.findall("values/value")
        assert values and all(v.findtext("key") and v.findtext("name") for v in values)
    assert "skck-baru" in [v.findtext("key") for v in attributes[0].findall("values/value")]
    doc = json_of(client.get(f"{BASE}/services/sikap-petugas.json"))
    assert [(a["code"], a["datatype"], a["order"], a["required"]) for a in doc["attributes"]] == [
        ("agency", "singlevaluelist", 1, False), ("counter", "singlevaluelist", 2, False),
        ("ticket", "string", 3, False)]
    assert json_of(client.get(f"{BASE}/services/sarana.json")) == {"service_code": "sarana", "attributes": []}
    for fmt in ("xml", "json"):
        missing = client.get(f"{BASE}/services/tidak-ada.{fmt}")
        assert missing.status_code == 404
        assert errors_of(missing, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_request_filed_by_post_is_visible_by_get_without_personal_fields(client, fmt):
    key = make_key(client)
    created = client.post(f"{BASE}/requests.{fmt}", data=filing(key, **{"attribute[service]": "skck-baru"}))
    assert created.status_code == 200, created.text
    if fmt == "xml":
        request = xml_of(created).find("request")
        request_id, notice = request.findtext("service_request_id"), request.findtext("service_notice")
    else:
        (answer,) = json_of(created)
        request_id, notice = answer["service_request_id"], answer["service_notice"]
        assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert re.fullmatch(r"[A-Z0-9]{12}", request_id) and notice

    async def stored() -> Complaint:
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return await session.scalar(select(Complaint).where(Complaint.tracking == request_id))

    complaint = run(stored())
    assert complaint.channel.value == "open311" and complaint.contact_email not in (None, "siti.aminah@contoh.id")
    assert complaint.service_id is not None

    answers = [client.get(f"{BASE}/requests/{request_id}.{fmt}"),
               client.get(f"{BASE}/requests.{fmt}", params={"service_request_id": request_id}),
               client.get(f"{BASE}/requests.{fmt}")]
    for answer in answers:
        assert answer.status_code == 200
        for personal in PERSONAL:
            assert personal not in answer.text, personal
    if fmt == "xml":
        for answer in answers[:2]:
            (request,) = xml_of(answer).findall("request")
            assert [child.tag for child in request] == list(REQUEST_FIELDS)
            assert request.findtext("service_request_id") == request_id
            assert (request.findtext("status"), request.findtext("service_code")) == ("open", "kualitas-layanan")
            assert float(request.findtext("lat")) == -8.2192 and float(request.findtext("long")) == 114.3691
            for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
                assert is_timestamp(request.findtext(name)), name
        assert request_id in [r.findtext("service_request_id") for r in xml_of(answers[2]).findall("request")]
    else:
        (one,) = json_of(answers[0])
        assert json_of(answers[1]) == [one]
        assert list(one) == list(REQUEST_FIELDS)
        assert (one["status"], one["lat"], one["long"]) == ("open", -8.2192, 114.3691)
        assert isinstance(one["service_request_id"], str) and one["agency_responsible"]
        assert datetime.fromisoformat(one["expected_datetime"]) == as_utc(complaint.resolve_due_at).replace(microsecond=0)
        assert is_timestamp(one["requested_datetime"]) and is_timestamp(one["expected_datetime"])
    token = client.get(f"{BASE}/tokens/{request_id}.{fmt}")
    if fmt == "xml":
        request = xml_of(token).find("request")
        assert (request.findtext("service_request_id"), request.findtext("token")) == (request_id, request_id)
    else:
        assert json_of(token) == [{"service_request_id": request_id, "token": request_id}]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_filing_is_refused_with_the_specs_errors_and_changes_nothing(client, fmt):
    key, theirs = make_key(client), make_key(client, "bangkalan")
    before = complaint_count(client)
    cases = [
        (filing(None), 403, "api_key"),
        (filing("sp311_bukan-kunci-yang-benar"), 403, "api_key"),
        (filing(theirs), 403, "api_key"),  # another regency's key
        (filing(key, service_code="tidak-ada"), 404, "service_code"),
        (filing(key, service_code=""), 400, "service_code"),
        (filing(key, lat="", long="", address_string=""), 400, "lat"),
        (filing(key, long="", address_string=""), 400, "lat"),
        (filing(key, address_id="tidak-ada"), 400, "address_id"),
        (filing(key, description="pendek"), 400, "description:"),
        (filing(key, lat="95"), 400, "lat:"),
        (filing(key, **{"attribute[service]": "tidak-ada"}), 400, "attribute[service]:"),
        (filing(key, jurisdiction_id="surabaya.go.id"), 404, "jurisdiction_id"),
    ]
    for data, status, mentions in cases:
        refused = client.post(f"{BASE}/requests.{fmt}", data=data)
        assert refused.status_code == status, (data, refused.text)
        found = errors_of(refused, fmt)
        assert found and all(code == status for code, _ in found)
        assert any(mentions in text for _, text in found), (mentions, found)
    assert complaint_count(client) == before


def test_a_location_may_be_an_address_or_a_location_code_alone(client):
    key = make_key(client)
    by_address = client.post(f"{BASE}/requests.json", data=filing(key, lat="", long=""))
    assert by_address.status_code == 200, by_address.text
    by_code = client.post(f"{BASE}/requests.json", data=filing(key, lat="", long="", address_string="",
                                                               address_id="mpp"))
    assert by_code.status_code == 200, by_code.text
    shown = client.get(f"{BASE}/requests/{by_code.json()[0]['service_request_id']}.json").json()[0]
    assert shown["address"] and shown["lat"] is None


def test_searching_requests_by_code_status_and_dates(client):
    key = make_key(client)
    made = client.post(f"{BASE}/requests.json", data=filing(key, service_code="sarana")).json()[0]
    mine = made["service_request_id"]

    def ids(**params) -> list[str]:
        answer = client.get(f"{BASE}/requests.json", params=params)
        assert answer.status_code == 200, answer.text
        return [r["service_request_id"] for r in answer.json()]

    assert mine in ids(service_code="sarana,lainnya") and mine not in ids(service_code="kualitas-layanan")
    assert mine in ids(status="open") and mine not in ids(status="closed") and mine in ids(status="open,closed")
    # the seeded complaint was received in January 2020 and is closed: only a window around it finds it
    old = ids(start_date="2020-01-01T00:00:00Z", end_date="2020-03-01T00:00:00+07:00")
    assert len(old) == 1 and mine not in old and old == ids(start_date="2020-01-01T00:00:00Z", status="closed")
    assert ids(start_date="2020-01-01T00:00:00Z", status="open") == []
    for params, mentions in [({"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"}, "90"),
                             ({"start_date": "kemarin"}, "start_date"), ({"end_date": "2020-13-01"}, "end_date"),
                             ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
                             ({"status": "pending"}, "status")]:
        refused = client.get(f"{BASE}/requests.xml", params=params)
        assert refused.status_code == 400, params
        assert any(mentions in text for _, text in errors_of(refused, "xml")), params


def test_personal_details_typed_into_a_description_are_masked(client):
    key = make_key(client)
    text = ("Petugas loket meminta uang, hubungi saya di siti.aminah@contoh.id atau 081234567890, "
            "NIK 3510015708850001.")
    made = client.post(f"{BASE}/requests.xml", data=filing(key, description=text))
    request_id = xml_of(made).findtext("request/service_request_id")
    shown = client.get(f"{BASE}/requests/{request_id}.json").json()[0]["description"]
    assert shown.startswith("Petugas loket meminta uang")
    for personal in ("siti.aminah@contoh.id", "081234567890", "3510015708850001"):
        assert personal not in shown


def test_jurisdiction_is_the_slug_or_the_regencys_host(database):
    for client in app_client(database, SATUPINTU_TENANT_HOSTS="mpp.banyuwangikab.go.id=banyuwangi"):
        for jurisdiction, status in [("banyuwangi", 200), ("mpp.banyuwangikab.go.id", 200), ("MPP.Banyuwangikab.go.id", 200),
                                     ("bangkalan", 404), ("surabaya.go.id", 404)]:
            answer = client.get(f"{BASE}/services.json", params={"jurisdiction_id": jurisdiction})
            assert answer.status_code == status, jurisdiction
        # the regency's own host serves the API without the slug in the path
        hosted = client.get("/open311/v2/services.xml", headers={"host": "mpp.banyuwangikab.go.id"})
        assert hosted.status_code == 200 and xml_of(hosted).tag == "services"


def test_unknown_regencies_ids_and_formats_answer_in_the_specs_format(client):
    for path, fmt in [("/tidak-ada/open311/v2/services.xml", "xml"), ("/tidak-ada/open311/v2/services.json", "json"),
                      (f"{BASE}/requests/ABCDEFGHJKMN.xml", "xml"), (f"{BASE}/tokens/ABCDEFGHJKMN.json", "json"),
                      (f"{BASE}/services/kualitas-layanan", "xml"), (f"{BASE}/requests/ABCDEFGHJKMN.html", "xml")]:
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert errors_of(answer, fmt)[0][0] == 404


def test_one_regencys_requests_are_unknown_in_another(client):
    key = make_key(client)
    request_id = client.post(f"{BASE}/requests.json", data=filing(key)).json()[0]["service_request_id"]
    other = "/bangkalan/open311/v2"
    assert client.get(f"{other}/requests/{request_id}.json").status_code == 404
    assert client.get(f"{other}/tokens/{request_id}.xml").status_code == 404
    assert client.get(f"{other}/requests.json", params={"service_request_id": request_id}).json() == []
    assert request_id not in client.get(f"{other}/requests.json").text
    assert json.loads(client.get(f"{BASE}/requests.json", params={"service_request_id": request_id}).text)


def test_a_suspended_regency_refuses_in_the_specs_format(client):
    from satupintu.tenants.models import TenantStatus
    from tests.platform.test_tenancy_http import _set_status

    key = make_key(client, "bangkalan")
    run(_set_status(client.database.url, "bangkalan", TenantStatus.SUSPENDED))
    for fmt in ("xml", "json"):
        assert errors_of(client.get(f"/bangkalan/open311/v2/services.{fmt}"), fmt)[0][0] == 403
        refused = client.post(f"/bangkalan/open311/v2/requests.{fmt}", data=filing(key, service_code="sarana"))
        assert refused.status_code == 403 and errors_of(refused, fmt)[0][0] == 403
    assert complaint_count(client, "bangkalan") == 1  # the seeded one only
