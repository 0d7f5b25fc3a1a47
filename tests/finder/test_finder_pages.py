"""The finder and the shared shortlist page, served with JavaScript off (plain HTTP, as a browser without scripts)."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import text

from app.assets.types import SchedulePublic
from app.finder.views import distance_text, next_meeting, walking_minutes
from app.shortlists.schemas import MAX_ITEMS
from tests.factories import make_asset
from tests.people import browser, page_token

XSS = "<script>alert(1)</script>"


def names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<li class="finder-result"[^>]*data-name="([^"]*)"', html)]


def field_errors(html: str) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([a-z_]+)-error"><span class="visually-hidden">Error:</span> ([^<]*)</p>', html)
    return {name: unescape(message) for name, message in found}


def test_first_visit_shows_the_form_without_errors(client):
    response = client.get("/finder")
    assert response.status_code == 200
    assert 'id="postcode"' in response.text and "Enter a postcode to see what is near." in response.text
    assert not field_errors(response.text)
    assert "hold no personal data" in response.text


def test_postcode_search_lists_nearest_first_with_distance_and_walking_time(client, places):
    response = client.get("/finder", params={"postcode": "M1 1AE"})
    assert response.status_code == 200
    assert names(response.text) == ["Tuesday Singers", "Food Bank", "Youth Club"]  # Far Garden is beyond a mile
    assert "3 places found near M1 1AE, nearest first." in response.text
    assert re.search(r"\d+ m away, about \d+ min walk", response.text)
    assert "Not verified since" in response.text  # the youth club
    assert response.text.count('class="badge stale"') == 1
    assert "Step-free access, Hearing loop" in response.text
    assert "Free" in response.text and "There is a charge: ask the organiser" in response.text
    assert response.text.count('class="finder-pin"') == 0  # markers are drawn by the map script, one per result
    assert len(re.findall(r"L\.marker\(", response.text)) == 3


def test_results_come_a_page_at_a_time_with_links_that_keep_the_search(client, places, monkeypatch):
    monkeypatch.setattr("app.finder.routes.RESULT_LIMIT", 2)
    first = client.get("/finder", params={"postcode": "M1 1AE", "radius_m": "1609"}).text
    assert names(first) == ["Tuesday Singers", "Food Bank"]
    assert "3 places found near M1 1AE: showing the nearest 2." in first
    further = re.search(r'<a href="([^"]+)" rel="next">Further places \(3 to 3\)</a>', first)
    assert further and 'rel="prev"' not in first
    assert further.group(1).endswith("#results")  # the next page opens at its results, not at the form
    assert 'action="/finder#results"' in first and 'id="results"' in first
    second = client.get(unescape(further.group(1))).text
    assert names(second) == ["Youth Club"] and 'id="result-3"' in second  # numbered on from the first page
    assert "showing places 3 to 3." in second and 'rel="next"' not in second
    assert re.search(r'<a href="/finder\?postcode=M1\+1AE&amp;radius_m=1609#results" rel="prev">Nearer places \(1 to 2\)</a>', second)
    past = client.get("/finder", params={"postcode": "M1 1AE", "page": "9"}).text
    assert names(past) == [] and "past the last of them" in past and "Back to the nearest places" in past
    assert names(client.get("/finder", params={"postcode": "M1 1AE", "page": "x"}).text) == ["Tuesday Singers", "Food Bank"]


def test_radius_widens_the_search(client, places):
    response = client.get("/finder", params={"postcode": "M1 1AE", "radius_m": "8047"})
    assert names(response.text)[-1] == "Far Garden"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "choirs-music"}, ["Tuesday Singers"]),
        ({"category": ["food-banks", "choirs-music"]}, ["Tuesday Singers", "Food Bank"]),
        ({"free": "yes"}, ["Tuesday Singers", "Youth Club"]),
        ({"drop_in": "yes", "age": "40"}, ["Tuesday Singers"]),
        ({"carers_welcome": "yes"}, ["Food Bank"]),
        ({"language": "POLISH"}, ["Tuesday Singers"]),
        ({"age": "12"}, ["Food Bank", "Youth Club"]),
        ({"day": "tue"}, ["Tuesday Singers", "Youth Club"]),
        ({"day": "tue", "time": "19:00"}, ["Youth Club"]),
        ({"accessibility": ["step_free", "hearing_loop"]}, ["Tuesday Singers"]),
        ({"accessibility": "step_free"}, ["Tuesday Singers", "Youth Club"]),
    ],
)
def test_filters_filter(client, places, params, expected):
    response = client.get("/finder", params={"postcode": "M1 1AE", **params})
    assert response.status_code == 200, field_errors(response.text)
    assert names(response.text) == expected


def test_location_instead_of_a_postcode(client, places):
    response = client.get("/finder", params={"lat": "53.4836", "lon": "-2.2320", "postcode": ""})
    assert names(response.text)[0] == "Tuesday Singers"
    assert "near your location" in response.text


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"postcode": "not a postcode"}, "postcode", "postcode"),
        ({"postcode": "M99 9ZZ"}, "postcode", "M99 9ZZ"),
        ({"free": "yes"}, "postcode", "Enter a postcode, or use your location"),
        ({"postcode": "M1 1AE", "age": "200"}, "age", "at most 120"),
        ({"postcode": "M1 1AE", "time": "10:00"}, "day", "Choose a day"),
        ({"postcode": "M1 1AE", "day": "tue", "time": "25:99"}, "time", "HH:MM"),
        ({"postcode": "M1 1AE", "q": "\x00"}, "q", "Words contains control characters"),
        ({"postcode": "M1 1AE", "category": "no-such-need"}, "category", "no-such-need"),
        ({"postcode": "M1 1AE", "radius_m": "999999"}, "radius_m", "Distance"),
        ({"postcode": "M1 1AE", "accessibility": "flying"}, "accessibility", "accessibility"),
        ({"lat": "north", "lon": "-2.2"}, "postcode", "use your location"),
        ({"lat": "53.48"}, "postcode", "use your location"),
    ],
)
def test_bad_input_shows_the_form_again_with_an_inline_error(client, places, params, field, words):
    response = client.get("/finder", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    errors = field_errors(response.text)
    assert list(errors) == [field], errors
    assert words.lower() in errors[field].lower()
    assert 'class="error-summary"' in response.text
    assert not names(response.text)


def test_the_form_names_every_filter_and_hints_at_the_language(client):
    from app.search.schemas import NearbyQuery

    html = client.get("/finder").text
    assert "<legend>Cost, referral, carers, access, age and language" in html
    assert '<p class="hint" id="language-hint">One language, for example Polish or BSL</p>' in html
    assert 'aria-describedby="language-hint"' in html and "placeholder" not in html
    for name in ("postcode", "q", "language"):  # the search's own limits
        limit = NearbyQuery.model_fields[name].metadata[0].max_length
        assert re.search(rf'id="{name}" name="{name}"[^>]* maxlength="{limit}"', html), name


def test_what_was_typed_is_escaped(client, places, session):
    make_asset(session, name=XSS, lat=53.4835, lon=-2.2312, address=XSS)
    response = client.get("/finder", params={"postcode": "M1 1AE", "q": XSS})
    assert XSS not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    response = client.get("/finder", params={"postcode": "M1 1AE"})
    assert XSS not in response.text
    assert XSS in names(response.text)


def test_without_javascript_ticked_results_become_a_shortlist(app, places):
    client = browser(app)
    token = page_token(client, "/finder?postcode=M1+1AE")
    chosen = [str(places["youth"].id), str(places["singers"].id)]
    response = client.post("/finder/shortlist", data={"csrf_token": token, "asset_id": chosen, "title": "For you",
                                                      "back": "postcode=M1+1AE"}, follow_redirects=False)
    assert response.status_code == 303
    code = response.headers["location"].removeprefix("/s/")
    shared = client.get(f"/api/v1/shortlists/{code}").json()
    assert [i["asset"]["name"] for i in shared["items"]] == ["Youth Club", "Tuesday Singers"]
    assert shared["title"] == "For you"

    nothing = client.post("/finder/shortlist", data={"csrf_token": token, "back": "postcode=M1+1AE"})
    assert nothing.status_code == 422 and "Tick at least one place" in nothing.text
    assert 'href="/finder?postcode=M1+1AE"' in nothing.text
    assert client.post("/finder/shortlist", data={"csrf_token": "x" * 43, "asset_id": chosen}).status_code == 403


def test_without_javascript_ticking_too_many_places_says_how_many_fit(app, places):
    client = browser(app)
    page = client.get("/finder?postcode=M1+1AE").text
    assert f"Tick up to {MAX_ITEMS} places" in page
    token = page_token(client, "/finder?postcode=M1+1AE")
    ticked = [str(uuid.uuid4()) for _ in range(MAX_ITEMS + 1)]
    response = client.post("/finder/shortlist", data={"csrf_token": token, "asset_id": ticked, "back": "postcode=M1+1AE"})
    assert response.status_code == 422
    assert f"A shortlist holds at most {MAX_ITEMS} places: untick some and try again." in response.text
    assert 'href="/finder?postcode=M1+1AE"' in response.text


def share(client, places, keys, notes=None, title=None):
    items = [{"asset_id": str(places[k].id), "note": (notes or {}).get(k)} for k in keys]
    response = client.post("/api/v1/shortlists", json={"items": items, "title": title})
    assert response.status_code == 201, response.text
    return response.json()["code"]


def test_shortlist_page_shows_each_place_in_order_with_its_details(client, places):
    code = share(client, places, ["youth", "singers"], {"singers": "Ask for Sam"}, "Places for Tuesday")
    response = client.get(f"/s/{code}")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Places for Tuesday</h1>" in html
    assert html.index("Youth Club") < html.index("Tuesday Singers")
    assert "Ask for Sam" in html
    assert "Not verified since" in html and html.count('class="badge stale"') == 1
    assert "Tuesday 10:00–12:00 (not in August)" in html
    assert "0161 000 0001" in html and "1 Piccadilly, M1 1AE" in html
    assert "Step-free access, Hearing loop" in html
    assert "This list holds no personal data." in html
    expires = (datetime.now(UTC) + timedelta(days=90))
    assert f"{expires:%B %Y}" in html
    next_lines = re.findall(r"<dt>Next</dt><dd>([^<]*)</dd>", html)
    assert len(next_lines) == 2 and all(re.match(r"(Tuesday|Friday) \d{1,2} [A-Z][a-z]+ \d\d:\d\d", n) for n in next_lines)
    assert f'src="/s/{code}/qr.svg"' in html
    assert '<link rel="stylesheet" href="/static/css/finder.css">' in html
    assert "<script>" not in html  # no inline script at all on this page


def test_shortlist_qr_code_is_svg_of_the_link(client, places):
    code = share(client, places, ["food"])
    response = client.get(f"/s/{code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<?xml") and "<svg" in response.text
    assert client.get("/s/abcdefghijklmnop/qr.svg").status_code == 404


def test_shortlist_notes_and_titles_are_escaped(client, places):
    code = share(client, places, ["food"], {"food": XSS}, XSS)
    html = client.get(f"/s/{code}").text
    assert XSS not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


def test_unknown_and_expired_shortlist_pages(client, session, places):
    missing = client.get("/s/abcdefghijklmnop")
    assert missing.status_code == 404 and "Shortlist not found" in missing.text
    code = share(client, places, ["food"])
    session.execute(text("UPDATE shortlist SET expires_at = now() - interval '1 hour' WHERE code = :c"), {"c": code})
    session.commit()
    gone = client.get(f"/s/{code}")
    assert gone.status_code == 410
    assert "This shortlist has expired" in gone.text and "Ask your link worker for a new one" in gone.text


def test_distance_rule():
    assert distance_text(3) == "10 m"
    assert distance_text(994) == "990 m"
    assert distance_text(995) == "1.0 km (0.6 miles)"
    assert distance_text(999.9) == "1.0 km (0.6 miles)"
    assert distance_text(1609.344) == "1.6 km (1.0 miles)"


def test_walking_time_rule():
    assert walking_minutes(1) == 1
    assert walking_minutes(800) == 10
    assert walking_minutes(801) == 11


def test_next_meeting_rule():
    schedule = [SchedulePublic(day="tue", opens="10:00", closes="12:00", note="not in August"),
                SchedulePublic(day="fri", opens="18:00", closes="20:00")]
    tuesday_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)
    assert next_meeting(schedule, tuesday_9) == "Today 10:00–12:00 (not in August)"
    assert next_meeting(schedule, tuesday_9 + timedelta(hours=2)) == "On now, until 12:00 (not in August)"
    assert next_meeting(schedule, tuesday_9 + timedelta(hours=3)) == "Friday 18:00–20:00"
    assert next_meeting(schedule, datetime(2026, 11, 26, 12, tzinfo=UTC)) == "Tomorrow 18:00–20:00"
    assert next_meeting(schedule, datetime(2026, 11, 27, 21, tzinfo=UTC)) == "Tuesday 10:00–12:00 (not in August)"
    # British Summer Time: 09:30 UTC is 10:30 in London, so the Tuesday session is on.
    assert next_meeting(schedule, datetime(2026, 6, 2, 9, 30, tzinfo=UTC)) == "On now, until 12:00 (not in August)"
    assert next_meeting([], tuesday_9) is None
    # Dated, for shared lists that are printed and read later: never "Today", "Tomorrow" or "On now".
    assert next_meeting(schedule, tuesday_9 + timedelta(hours=2), dated=True) == "Tuesday 24 November 10:00–12:00 (not in August)"
    assert next_meeting(schedule, datetime(2026, 11, 26, 12, tzinfo=UTC), dated=True) == "Friday 27 November 18:00–20:00"
