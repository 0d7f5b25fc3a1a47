"""The finder and the shared shortlist in Welsh (issue 15): `?lang=cy` gives `<html lang="cy">` and Welsh text, from the
templates, the views (distances, walking times, costs, ages, next meetings) and the page script's messages."""

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape

from babel.dates import format_date
from sqlalchemy import text

from app.assets.types import SchedulePublic
from app.finder.views import distance_text, next_meeting
from app.i18n import use_locale
from tests.finder.test_finder_pages import names, share
from tests.people import browser, page_token

WELSH = '<html lang="cy">'


def shown(html: str) -> str:
    """The page's text as read, without the script messages (<body data-messages>: English keys, Welsh values)."""
    return unescape(re.sub(r' data-messages="[^"]*"', "", html))


def test_the_finder_form_is_in_welsh(client):
    page = client.get("/finder?lang=cy")
    assert page.status_code == 200 and WELSH in page.text
    html = shown(page.text)
    assert "<h1>Dod o hyd i gymorth yn agos at berson</h1>" in html
    assert '<label for="postcode">Cod post</label>' in html and "Defnyddio fy lleoliad" in html
    assert ">1 filltir</option>" in html and ">800 m (tua 10 munud o gerdded)</option>" in html
    assert "Cost, atgyfeirio, gofalwyr, mynediad, oedran ac iaith" in html
    assert "Un iaith, er enghraifft Pwyleg neu BSL" in html and "Gall gofalwr ddod hefyd" in html
    assert "Rhowch god post i weld beth sydd gerllaw." in html
    assert "Find support near a person" not in html and "Enter a postcode" not in html


def test_the_finder_script_gets_its_text_in_welsh(client):
    page = client.get("/finder?lang=cy").text
    messages = json.loads(unescape(re.search(r'data-messages="([^"]*)"', page).group(1)))
    assert messages["Add to shortlist"] == "Ychwanegu at y rhestr fer"
    assert messages["{name} added to the shortlist."] == "Ychwanegwyd {name} at y rhestr fer."
    assert 'data-messages' not in client.get("/finder?lang=en").text


def test_results_are_in_welsh(client, places):
    page = client.get("/finder", params={"postcode": "M1 1AE", "lang": "cy"})
    assert page.status_code == 200 and WELSH in page.text
    html = shown(page.text)
    assert names(page.text) == ["Tuesday Singers", "Food Bank", "Youth Club"]
    assert "Daethpwyd o hyd i 3 lle ger M1 1AE, yr agosaf yn gyntaf." in html
    assert re.search(r"\d+ m i ffwrdd, tua \d+ munud o gerdded", html)
    assert "Mae tâl: holwch y trefnydd" in html and "<dd>Am ddim</dd>" in html and "<dd>18 oed a hŷn</dd>" in html
    assert "Heb ei ddilysu ers" in html and "<dt>Atgyfeirio</dt>" in html
    assert "Ychwanegu at y rhestr fer" in html and "Rhannu'r lleoedd sydd wedi'u ticio" in html
    assert "min walk" not in html and "places found" not in html


def test_mistakes_are_told_in_welsh(client, places):
    page = client.get("/finder", params={"free": "yes", "lang": "cy"})
    assert page.status_code == 422 and WELSH in page.text
    assert 'id="postcode-error"><span class="visually-hidden">Gwall:</span> Rhowch god post, neu defnyddiwch eich lleoliad<' in page.text
    assert "<h2>Mae problem</h2>" in page.text and "<title>Gwall: " in page.text


def test_sharing_without_javascript_answers_in_welsh(app, places):
    client = browser(app)
    token = page_token(client, "/finder?postcode=M1+1AE&lang=cy")  # remembered in the cookie
    nothing = client.post("/finder/shortlist", data={"csrf_token": token, "back": "postcode=M1+1AE"})
    assert nothing.status_code == 422 and WELSH in nothing.text
    html = shown(nothing.text)
    assert "Ticiwch o leiaf un lle i'w roi ar y rhestr fer." in html and "Mynd yn ôl i'ch chwiliad" in html


def test_distances_times_and_meetings_in_welsh():
    tuesday = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in London
    schedule = [SchedulePublic(day="tue", opens="10:00", closes="12:00"), SchedulePublic(day="mon", opens="09:30", closes="11:00")]
    with use_locale("cy"):
        assert distance_text(1609.344) == "1.6 km (1.0 milltir)" and distance_text(420) == "420 m"
        assert next_meeting(schedule, tuesday) == "Ar agor nawr, tan 11:00"
        assert next_meeting(schedule, tuesday + timedelta(hours=3)) == "Yfory 10:00–12:00"
        assert next_meeting(schedule, tuesday + timedelta(hours=3), dated=True).endswith("2 Mehefin 10:00–12:00")
    assert next_meeting(schedule, tuesday + timedelta(hours=3), dated=True).endswith("2 June 10:00–12:00")


def test_the_shortlist_page_is_in_welsh(client, places):
    code = share(client, places, ["youth", "singers"], {"singers": "Gofynnwch am Sam"})
    page = client.get(f"/s/{code}?lang=cy")
    assert page.status_code == 200 and WELSH in page.text
    html = shown(page.text)
    assert "<h1>Lleoedd i roi cynnig arnyn nhw</h1>" in html and "2 lle, wedi'u dewis ar" in html
    expires = datetime.now(UTC) + timedelta(days=90)
    assert f"{format_date(expires, 'MMMM y', locale='cy')}, " in html.split("Mae'r ddolen hon yn gweithio tan ")[1][:40]
    assert "Nid yw'r rhestr hon yn cadw unrhyw ddata personol." in html and "Argraffu'r rhestr hon" in html
    assert "Cod QR: sganiwch ef i agor y rhestr hon ar ffôn" in html and "<dt>Cyfeiriad</dt>" in html
    assert "Heb ei ddilysu ers" in html and "Holwch nhw cyn mynd." in html and "Ffynhonnell: Map Asedau Cymunedol." in html
    assert "This list holds no personal data" not in html
    qr = client.get(f"/s/{code}/qr.svg", headers={"Accept-Language": "cy"}).text
    assert "Cod QR cyfeiriad y rhestr hon" in unescape(qr)


def test_an_expired_shortlist_says_so_in_welsh(client, session, places):
    code = share(client, places, ["food"])
    session.execute(text("UPDATE shortlist SET expires_at = now() - interval '1 hour' WHERE code = :c"), {"c": code})
    session.commit()
    gone = client.get(f"/s/{code}?lang=cy")
    assert gone.status_code == 410 and WELSH in gone.text
    html = shown(gone.text)
    assert "Mae'r rhestr fer hon wedi dod i ben" in html and "Gofynnwch i'ch gweithiwr cyswllt am un newydd." in html
    missing = client.get("/s/abcdefghijklmnop?lang=cy")
    assert missing.status_code == 404 and "Heb ddod o hyd i'r rhestr fer" in shown(missing.text)
