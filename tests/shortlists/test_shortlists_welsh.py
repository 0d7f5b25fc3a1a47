"""The shortlist API's messages in Welsh for `Accept-Language: cy` (issue 15); field names and codes stay the same."""

import uuid

from tests.factories import make_asset

WELSH = {"Accept-Language": "cy"}


def test_the_apis_messages_follow_accept_language(client, session):
    place = make_asset(session, name="Côr Meibion")
    unknown = str(uuid.uuid4())
    refused = client.post("/api/v1/shortlists", json={"items": [{"asset_id": unknown}]}, headers=WELSH)
    assert refused.status_code == 422 and refused.headers["content-language"] == "cy"
    assert f"Nid oes lle cyhoeddedig â'r dynodydd {unknown}." in refused.json()["detail"]
    twice = [{"asset_id": str(place.id)}, {"asset_id": str(place.id)}]
    again = client.post("/api/v1/shortlists", json={"items": twice}, headers=WELSH).json()
    assert "ar y rhestr ddwywaith" in again["detail"] and again["errors"][0]["field"] == "items.1.asset_id"
    missing = client.get("/api/v1/shortlists/abcdefghijklmnop", headers=WELSH)
    assert missing.status_code == 404 and "Nid oes rhestr fer yn y cyfeiriad hwn" in missing.json()["detail"]
    english = client.post("/api/v1/shortlists", json={"items": [{"asset_id": unknown}]})
    assert f"No published place has the id {unknown}." in english.text


def test_a_list_made_in_welsh_opens_in_welsh_wherever_it_is_scanned(client, session):
    place = make_asset(session, name="Côr Meibion")
    made = client.post("/api/v1/shortlists", json={"items": [{"asset_id": str(place.id)}]}, headers=WELSH).json()
    assert made["url"].endswith(f"/s/{made['code']}?lang=cy")
    # An English phone opens the address in Welsh, and the printed page's QR code and address say the same.
    page = client.get(made["url"], headers={"Accept-Language": "en"})
    assert '<html lang="cy">' in page.text and f"/s/{made['code']}?lang=cy</" in page.text
    assert f'src="/s/{made["code"]}/qr.svg?lang=cy"' in page.text
    qr = client.get(f"/s/{made['code']}/qr.svg?lang=cy")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and "am_lang" not in qr.headers.get("set-cookie", "")
    english = client.post("/api/v1/shortlists", json={"items": [{"asset_id": str(place.id)}]}).json()
    assert english["url"].endswith(f"/s/{english['code']}")  # the shortest address: a smaller QR code
