"""Services that are not a place (issue 19) in the place forms: the resident's "Add a place" and "Suggest a change"
forms and the moderator's amendment ask how it reaches people and which areas it serves, with the one rule
(assets.service.require_reach): a place people go to needs a postcode or a pin, a service by phone, online or at home
needs a service area and may have no position."""

import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from tests.factories import make_asset
from tests.people import browser, make_user, page_token, sign_in

pytestmark = pytest.mark.usefixtures("nations")

WALES = "W92000004"
HELPLINE = {"name": "Wales carers' helpline", "categories": ["befriending"], "delivery": "phone", "phone": "0800 000 123"}


def submissions(session: Session) -> list:
    return session.execute(text("SELECT kind, proposed, location FROM submission ORDER BY created_at")).all()


def test_the_forms_ask_how_it_reaches_people_and_where_it_serves(app, session: Session) -> None:
    page = browser(app).get("/add").text
    for value in ("location", "phone", "online", "home"):
        assert f'name="delivery" value="{value}"' in page, value
    assert 'name="service_areas" value="K02000001"' in page  # the whole UK
    assert f'name="service_areas" value="{WALES}"' in page and 'value="W06000015"' in page  # Wales, Cardiff
    assert 'value="E12000002"' in page  # North West (a region)
    welsh = browser(app).get("/add", params={"lang": "cy"}).text
    assert "Cymru" in welsh and "Caerdydd" in welsh and "Sut mae’n cyrraedd pobl?" in welsh


def test_a_resident_adds_a_helpline_serving_wales_without_a_postcode(app, client, session: Session, admin_headers) -> None:
    web = browser(app)
    data = {**HELPLINE, "service_areas": [WALES], "csrf_token": page_token(web, "/add")}
    sent = web.post("/add", data=data, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    [(kind, proposed, location)] = submissions(session)
    assert kind == "new" and location is None  # about no point: no area moderator's queue holds it
    assert proposed["delivery"] == "phone" and proposed["service_areas"] == [WALES] and "postcode" not in proposed
    submission_id = session.execute(text("SELECT id FROM submission")).scalar_one()
    approved = client.post(f"/api/v1/moderation/submissions/{submission_id}/approve", json={}, headers=admin_headers)
    assert approved.status_code == 200, approved.text
    found = client.get("/api/v1/assets/nearby", params={"postcode": "CF10 1EP"}).json()
    assert [i["name"] for i in found["remote"]["items"]] == ["Wales carers' helpline"] and found["items"] == []
    elsewhere = client.get("/api/v1/assets/nearby", params={"postcode": "M1 1AE"}).json()
    assert elsewhere["remote"]["items"] == []


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({**HELPLINE}, "service_areas", "needs its service areas"),
        ({**HELPLINE, "service_areas": ["E99999999"]}, "service_areas", "Unknown area"),
        ({**HELPLINE, "delivery": "location"}, "postcode", "Enter the postcode, or drop a pin on the map"),
        ({**HELPLINE, "delivery": "by pigeon", "service_areas": [WALES]}, "delivery", "&#39;phone&#39;"),
    ],
)
def test_the_form_refuses_what_the_rule_does_not_allow(app, session: Session, form, field, message) -> None:
    web = browser(app)
    refused = web.post("/add", data={**form, "csrf_token": page_token(web, "/add")})
    assert refused.status_code == 422, refused.text
    assert f'id="{field}-error"' in refused.text and message in refused.text
    assert 'value="Wales carers&#39; helpline"' in refused.text  # what was typed is kept
    assert submissions(session) == []


def test_the_api_names_the_field_in_the_documented_shape(client, session: Session) -> None:
    place = {k: v for k, v in HELPLINE.items()}
    refused = client.post("/api/v1/submissions", json={"kind": "new", "place": place})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "place.service_areas" and refused.json()["detail"]
    unknown = client.post("/api/v1/submissions", json={"kind": "new", "place": {**place, "service_areas": ["X1"]}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "place.service_areas"
    placed = client.post("/api/v1/submissions", json={"kind": "new", "place": {**place, "delivery": "location"}})
    assert placed.status_code == 422
    accepted = client.post("/api/v1/submissions", json={"kind": "new", "place": {**place, "service_areas": ["uk"]}})
    assert accepted.status_code == 202, accepted.text
    assert submissions(session)[0].proposed["service_areas"] == ["K02000001"]


def test_suggesting_a_place_now_works_by_phone_and_back(app, client, session: Session, admin_headers) -> None:
    asset = make_asset(session, name="Cardiff carers' café", categories=["befriending"], postcode="CF10 1EP",
                       lat=51.4816, lon=-3.1791)
    web = browser(app)
    path = f"/places/{asset.id}/suggest"
    form = web.get(path).text
    assert re.search(r'name="delivery" value="location" checked', form)
    kept = {"name": asset.name, "categories": ["befriending"], "postcode": "CF10 1EP", "lat": str(asset.lat),
            "lon": str(asset.lon), "description": asset.description, "csrf_token": page_token(web, path)}
    no_area = web.post(path, data={**kept, "delivery": "phone"})
    assert no_area.status_code == 422 and 'id="service_areas-error"' in no_area.text
    sent = web.post(path, data={**kept, "delivery": "phone", "service_areas": ["W06000015"]}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    [(kind, proposed, location)] = submissions(session)
    assert kind == "edit" and proposed == {"delivery": "phone", "service_areas": ["W06000015"]} and location is None
    submission_id = session.execute(text("SELECT id FROM submission")).scalar_one()
    assert client.post(f"/api/v1/moderation/submissions/{submission_id}/approve", json={},
                       headers=admin_headers).status_code == 200
    now = client.get(f"/api/v1/assets/{asset.id}").json()
    assert (now["delivery"], now["service_areas"], now["lat"]) == ("phone", ["W06000015"], None)

    # its correction form shows the area chosen; back to a place, it needs a postcode or a pin
    form = web.get(path).text
    assert 'value="W06000015" checked' in form and re.search(r'name="delivery" value="phone" checked', form)
    token = page_token(web, path)
    back = {"name": asset.name, "categories": ["befriending"], "service_areas": ["W06000015"], "csrf_token": token,
            "description": asset.description or ""}
    nowhere = web.post(path, data={**back, "delivery": "location"})
    assert nowhere.status_code == 422 and 'id="postcode-error"' in nowhere.text
    moved = web.post(path, data={**back, "delivery": "location", "postcode": "CF10 1EP"}, follow_redirects=False)
    assert moved.status_code == 303, re.findall(r'field-error.*?</p>', moved.text, re.S)
    assert submissions(session)[-1].location is not None


def test_a_moderator_amends_a_place_into_a_helpline_on_the_edit_form(app, session: Session) -> None:
    client = browser(app)
    client.post("/add", data={"name": "Line for Wales", "categories": ["befriending"], "postcode": "CF10 1EP",
                              "csrf_token": page_token(client, "/add")})
    submission_id = session.execute(text("SELECT id FROM submission")).scalar_one()
    make_user(session, Role.moderator, "all@council.example")
    moderator = browser(app)
    sign_in(moderator, "all@council.example")
    path = f"/moderate/submissions/{submission_id}"
    page = moderator.get(path)
    assert page.status_code == 200 and 'name="service_areas"' in page.text and 'name="delivery"' in page.text
    amended = {"name": "Line for Wales", "categories": ["befriending"], "csrf_token": page_token(moderator, path)}
    refused = moderator.post(f"{path}/amend", data={**amended, "delivery": "online"})
    assert refused.status_code == 422 and 'id="service_areas-error"' in refused.text
    done = moderator.post(f"{path}/amend", data={**amended, "delivery": "online", "service_areas": [WALES]},
                          follow_redirects=False)
    assert done.status_code == 303, done.text
    [(_, proposed, location)] = submissions(session)
    assert proposed["delivery"] == "online" and proposed["service_areas"] == [WALES] and location is None
