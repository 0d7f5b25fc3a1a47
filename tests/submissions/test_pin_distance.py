"""A pin far from its postcode (issue 12 item 10): a resident's position more than PIN_MAX_DISTANCE_M from the centre of
the postcode they give must be confirmed, in the form and in the API (422 naming the distance otherwise); moderators
see the pin, the postcode's centre and the distance, with a warning beyond the limit."""

import re
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.core.config import get_settings
from app.submissions import service
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, page_token, sign_in

# LE15 6RE (Oakham, Rutland) is in the test database's postcodes (data/demo's pack), at 52.67273, -0.73417.
RUTLAND = "LE15 6RE"
OAKHAM = {"lat": 52.67273, "lon": -0.73417}
NEAR_OAKHAM = {"lat": 52.6750, "lon": -0.7300}  # about 380 m from the postcode's centre
MANCHESTER = {"lat": 53.4808, "lon": -2.2426}  # about 137 km away
DISTANCE = re.compile(r"\b1[23]\d\.\d km\b")  # how the 137 km reads in messages: "136.7 km (84.9 miles)"


def new_place(**place: object) -> dict:
    return {"kind": "new", "place": {"name": "Oakham Walking Group", "categories": ["arts-crafts"], **place}}


def stored(session: Session) -> list[tuple]:
    sql = "SELECT kind, ST_Y(location::geometry), ST_X(location::geometry) FROM submission ORDER BY created_at"
    return [tuple(r) for r in session.execute(text(sql)).all()]


def submission_id(session: Session) -> uuid.UUID:
    return session.execute(text("SELECT id FROM submission ORDER BY created_at DESC LIMIT 1")).scalar_one()


@pytest.fixture
def moderator_headers(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "moderation tool", Role.moderator)[1]}


# The rule, in the service


def pin_distance(session: Session, fields: dict, current=None) -> service.PinDistance | None:
    """The rule with the limit the app under test has (PIN_MAX_DISTANCE_M, 2 km by default)."""
    return service.pin_distance(session, fields, current, limit_m=get_settings().pin_max_distance_m)


def test_the_distance_is_measured_from_the_postcodes_centre(session: Session) -> None:
    far = pin_distance(session, {"postcode": "le156re", **MANCHESTER})
    assert far is not None and far.postcode == RUTLAND and far.far
    assert 130_000 < far.metres < 140_000 and far.limit_m == 2000
    assert (far.centre_lat, far.centre_lon) == (OAKHAM["lat"], OAKHAM["lon"])
    near = pin_distance(session, {"postcode": RUTLAND, **NEAR_OAKHAM})
    assert near is not None and not near.far and 300 < near.metres < 450
    # nothing to compare: no pin, no postcode, or a postcode we do not know
    assert pin_distance(session, {"postcode": RUTLAND}) is None
    assert pin_distance(session, dict(MANCHESTER)) is None
    assert pin_distance(session, {"postcode": "M99 9ZZ", **MANCHESTER}) is None


def test_an_edit_is_checked_against_its_new_postcode_or_the_places_own(session: Session) -> None:
    asset = make_asset(session, postcode=RUTLAND, **NEAR_OAKHAM)
    assert pin_distance(session, dict(MANCHESTER), asset).far
    assert not pin_distance(session, {"postcode": "M1 1AE", **MANCHESTER}, asset).far
    assert pin_distance(session, {"postcode": None, **MANCHESTER}, asset) is None  # the postcode is cleared


# The API


def test_a_far_pin_is_refused_with_the_distance_named(client, session: Session) -> None:
    response = client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND, **MANCHESTER))
    assert response.status_code == 422
    body = response.json()
    assert DISTANCE.search(body["detail"]) and RUTLAND in body["detail"], body
    assert "position_confirmed" in body["detail"]
    assert body["errors"] == [{"field": "position_confirmed", "message": body["detail"]}]
    assert stored(session) == []


def test_a_far_pin_is_accepted_when_the_position_is_confirmed(client, session: Session) -> None:
    body = new_place(postcode=RUTLAND, **MANCHESTER) | {"position_confirmed": True}
    assert client.post("/api/v1/submissions", json=body).status_code == 202
    assert stored(session) == [("new", MANCHESTER["lat"], MANCHESTER["lon"])]
    # the confirmation is not part of the place
    proposed = session.execute(text("SELECT proposed FROM submission")).scalar_one()
    assert "position_confirmed" not in proposed


def test_a_pin_within_the_limit_or_without_a_postcode_needs_no_confirmation(client, session: Session) -> None:
    for place in ({"postcode": RUTLAND, **NEAR_OAKHAM}, dict(MANCHESTER), {"postcode": RUTLAND}):
        response = client.post("/api/v1/submissions", json=new_place(**place))
        assert response.status_code == 202, response.text
    assert len(stored(session)) == 3


def test_the_limit_is_a_setting(client, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "pin_max_distance_m", 200)
    refused = client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND, **NEAR_OAKHAM))
    assert refused.status_code == 422 and re.search(r"\b3\d0 m\b", refused.json()["detail"])
    assert "more than the 200 m" in refused.json()["detail"]


def test_a_suggested_change_is_checked_too(client, session: Session) -> None:
    asset = make_asset(session, name="Oakham Library", postcode=RUTLAND, **OAKHAM)
    edit = {"kind": "edit", "asset_id": str(asset.id), "changes": dict(MANCHESTER)}
    refused = client.post("/api/v1/submissions", json=edit)
    assert refused.status_code == 422 and DISTANCE.search(refused.json()["detail"])
    assert client.post("/api/v1/submissions", json=edit | {"position_confirmed": True}).status_code == 202
    # a new postcode that goes with the new pin is fine; so is a near pin
    moved = {**edit, "changes": {"postcode": "M1 1AE", **MANCHESTER}}
    assert client.post("/api/v1/submissions", json=moved).status_code == 202
    near = {**edit, "changes": dict(NEAR_OAKHAM)}
    assert client.post("/api/v1/submissions", json=near).status_code == 202


def test_a_moderators_amendment_that_moves_the_pin_far_must_be_confirmed(
    client, session: Session, moderator_headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND, **NEAR_OAKHAM)).status_code == 202
    sid = submission_id(session)
    place = new_place(postcode=RUTLAND, **MANCHESTER)["place"]
    path = f"/api/v1/moderation/submissions/{sid}"
    refused = client.patch(path, json={"proposed": place}, headers=moderator_headers)
    assert refused.status_code == 422 and DISTANCE.search(refused.json()["detail"])
    proposed = session.execute(text("SELECT proposed FROM submission")).scalar_one()
    assert proposed["lat"] == NEAR_OAKHAM["lat"]  # nothing saved
    confirmed = client.patch(path, json={"proposed": place, "position_confirmed": True}, headers=moderator_headers)
    assert confirmed.status_code == 200, confirmed.text
    # amending something else keeps the (already confirmed) position without asking again
    renamed = client.patch(path, json={"proposed": {**place, "name": "Oakham Ramblers"}}, headers=moderator_headers)
    assert renamed.status_code == 200, renamed.text


def test_position_confirmed_is_documented(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("NewSubmission", "EditSubmission", "Amendment"):
        field = schemas[name]["properties"]["position_confirmed"]
        assert field["type"] == "boolean" and field["default"] is False
        assert "PIN_MAX_DISTANCE_M" in field["description"]


# The form


def add_form(**fields: object) -> dict[str, object]:
    return {"name": "Oakham Walking Group", "categories": ["arts-crafts"], "postcode": RUTLAND, **fields}


def test_the_add_form_explains_the_pin_map_and_offers_to_remove_the_pin(app) -> None:
    page = browser(app).get("/add").text
    assert "Click the map to place the pin exactly, or leave it: the postcode's centre is used." in page
    assert "Remove the pin" in page
    assert 'data-max-distance="2000"' in page
    # the confirmation waits, hidden, until a pin is far from the postcode
    assert re.search(r'<div class="field pin-confirm" id="pin-confirm" hidden>', page)


def test_the_form_asks_to_confirm_a_far_pin_and_keeps_what_was_typed(app, session: Session) -> None:
    client = browser(app)
    far = add_form(lat=str(MANCHESTER["lat"]), lon=str(MANCHESTER["lon"]))
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **far})
    assert response.status_code == 422
    page = response.text
    assert re.search(r'<div class="field pin-confirm field--error" id="pin-confirm">', page)  # shown, not hidden
    assert 'id="position_confirmed-error"' in page and DISTANCE.search(page)
    assert "Yes, the place is really here" in page
    assert 'href="#position_confirmed"' in page  # the error summary leads to the checkbox
    assert 'value="53.4808"' in page and "Oakham Walking Group" in page
    assert stored(session) == []
    confirmed = client.post(
        "/add", data={"csrf_token": csrf_of(page), **far, "position_confirmed": "yes"}, follow_redirects=False
    )
    assert confirmed.status_code == 303, confirmed.text
    assert stored(session) == [("new", MANCHESTER["lat"], MANCHESTER["lon"])]


def test_the_suggest_form_asks_to_confirm_a_far_pin(app, session: Session) -> None:
    asset = make_asset(session, name="Oakham Library", postcode=RUTLAND, **OAKHAM)
    client = browser(app)
    path = f"/places/{asset.id}/suggest"
    data = {
        "name": "Oakham Library",
        "categories": ["community-centres"],
        "postcode": RUTLAND,
        "lat": str(MANCHESTER["lat"]),
        "lon": str(MANCHESTER["lon"]),
    }
    response = client.post(path, data={"csrf_token": page_token(client, path), **data})
    assert response.status_code == 422 and DISTANCE.search(response.text)
    assert "Yes, the place is really here" in response.text
    sent = client.post(
        path, data={"csrf_token": csrf_of(response.text), **data, "position_confirmed": "yes"}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text


# The moderator's screen


def moderator_page(app, session: Session) -> object:
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    return web


def test_the_moderator_sees_the_pin_and_the_postcodes_centre_with_a_warning(app, client, session: Session) -> None:
    body = new_place(postcode=RUTLAND, **MANCHESTER) | {"position_confirmed": True}
    assert client.post("/api/v1/submissions", json=body).status_code == 202
    web = moderator_page(app, session)
    response = web.get(f"/moderate/submissions/{submission_id(session)}")
    page = response.text
    warning = re.search(r'<p class="warning" id="pin-warning">(.*?)</p>', page, re.S)
    assert warning and DISTANCE.search(warning.group(1)) and RUTLAND in warning.group(1)
    assert "more than 2.0 km" in warning.group(1)
    assert f'data-pin-lat="{MANCHESTER["lat"]}"' in page and f'data-centre-lat="{OAKHAM["lat"]}"' in page
    assert '<script src="/static/js/review-map.js" defer></script>' in page
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in page
    # no inline script: the page needs no nonce for its map
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_a_pin_within_the_limit_is_shown_without_a_warning(app, client, session: Session) -> None:
    assert client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND, **NEAR_OAKHAM)).status_code == 202
    page = moderator_page(app, session).get(f"/moderate/submissions/{submission_id(session)}").text
    assert 'id="pin-warning"' not in page and 'id="review-map"' in page
    assert re.search(r"The proposed pin is 3\d0 m from the centre of LE15 6RE", page)


def test_a_place_without_a_pin_has_no_pin_map(app, client, session: Session) -> None:
    assert client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND)).status_code == 202
    page = moderator_page(app, session).get(f"/moderate/submissions/{submission_id(session)}").text
    assert 'id="review-map"' not in page and "review-map.js" not in page


def test_a_moderators_web_amendment_moving_the_pin_far_asks_for_confirmation(app, client, session: Session) -> None:
    assert client.post("/api/v1/submissions", json=new_place(postcode=RUTLAND, **NEAR_OAKHAM)).status_code == 202
    sid = submission_id(session)
    web = moderator_page(app, session)
    csrf = csrf_of(web.get(f"/moderate/submissions/{sid}").text)
    form = {"csrf_token": csrf, **add_form(lat=str(MANCHESTER["lat"]), lon=str(MANCHESTER["lon"]))}
    refused = web.post(f"/moderate/submissions/{sid}/amend", data=form)
    assert refused.status_code == 422 and 'id="position_confirmed-error"' in refused.text
    assert DISTANCE.search(refused.text)
    amended = web.post(f"/moderate/submissions/{sid}/amend", data={**form, "position_confirmed": "yes"})
    assert amended.status_code == 200 and 'id="pin-warning"' in amended.text
