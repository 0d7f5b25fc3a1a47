"""Residents' forms in Welsh (issue 15): the questions, the error messages beside each field, the thank-you and status
pages, and the report form; what people typed is still escaped."""

import re

from sqlalchemy import text
from sqlmodel import Session

from tests.factories import make_asset
from tests.people import browser, page_token

SCRIPT = "<script>alert('x')</script>"
# Interface text of the English forms that must not be left on the Welsh ones.
ENGLISH = (
    "There is a problem", "About you", "(optional)", "Your name", "Choose one or more", "Send for checking",
    "Exact position", "Remove the pin", "Yes, the place is really here", "Anything our moderators should know",
)


def _page_text(html: str) -> str:
    """The page without the scripts' translations (their English keys are in <body data-messages>), with apostrophes
    as apostrophes (the catalogue's text is written as it is, other text escaped)."""
    return re.sub(r' data-messages="[^"]*"', "", html).replace("&#39;", "'")


def _count(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM submission")).scalar_one()


def test_the_add_form_is_in_welsh(app) -> None:
    page = browser(app).get("/add?lang=cy")
    assert page.status_code == 200 and '<html lang="cy">' in page.text
    html = _page_text(page.text)
    for welsh in ("Ychwanegu lle neu grŵp", "Enw'r lle neu'r grŵp", "Amdanoch chi (dewisol a phreifat)",
                  "Anfon i'w wirio", "(dewisol)", "Dewiswch un neu ragor.", "Ydy, mae'r lle yma go iawn"):
        assert welsh in html, welsh
    for english in ENGLISH:
        assert english not in html, english


def test_a_bad_submission_in_welsh_is_answered_in_welsh_beside_each_field(app, session: Session) -> None:
    client = browser(app)
    token = page_token(client, "/add?lang=cy")
    data = {
        "csrf_token": token, "name": "", "postcode": "M15 5DD", "description": f"Typed {SCRIPT}",
        "website": "javascript:alert(1)", "min_age": "deg", "submitter_email": "sam@example.org",
        "schedule-0-day": "tue", "schedule-0-opens": "12:00", "schedule-0-closes": "10:00",
    }
    response = client.post("/add?lang=cy", data=data)
    assert response.status_code == 422 and '<html lang="cy">' in response.text
    html = _page_text(response.text)
    assert "<title>Gwall:" in html and "Mae problem" in html
    expected = {
        "name": "Rhowch enw'r lle neu'r grŵp",
        "categories": "Dewiswch o leiaf un categori",
        "website": "Gwefan: rhaid rhoi cyfeiriad gwe sy'n dechrau â http:// neu https://",
        "min_age": "Oedran isaf: rhowch rif cyfan",
        "schedule": "Rhaid i bob amser gorffen fod ar ôl ei amser dechrau",
        "submitter_email": None,  # a valid address: no error
    }
    for field, message in expected.items():
        error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
        if message is None:
            assert error is None, field
            continue
        assert error, field
        assert "Gwall:" in error.group(1) and message in error.group(1), (field, error.group(1))
    assert 'id="consent-error"' in html and "ticiwch y blwch caniatâd" in html.lower()
    for english in ("Enter the name", "Choose at least one category", "must be a", "Each end time", *ENGLISH):
        assert english not in html, english
    # what was typed comes back escaped
    assert SCRIPT not in response.text and "Typed &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    assert 'value="javascript:alert(1)"' in html and 'value="deg"' in html
    assert _count(session) == 0


def test_the_same_bad_submission_in_english_is_unchanged(app, session: Session) -> None:
    client = browser(app)
    data = {"csrf_token": page_token(client, "/add?lang=en"), "name": "", "postcode": "M15 5DD", "min_age": "ten"}
    html = client.post("/add", data=data).text
    assert '<html lang="en-GB">' in html
    assert "Enter the name of the place or group" in html and "Choose at least one category" in html
    assert "Minimum age must be a whole number" in html and "There is a problem" in html


def test_a_pin_far_from_its_postcode_is_explained_in_welsh(app, session: Session) -> None:
    client = browser(app)
    data = {
        "csrf_token": page_token(client, "/add?lang=cy"), "name": "Côr y Dref", "categories": ["choirs-music"],
        "postcode": "M15 5DD", "lat": "53.4808", "lon": "-2.2426",
    }
    response = client.post("/add?lang=cy", data=data)
    assert response.status_code == 422
    message = re.search(r'id="position_confirmed-error">(.*?)</p>', _page_text(response.text), re.S).group(1)
    assert "Mae'r pin" in message and "o ganol M15 5DD" in message and "go iawn" in message, message
    assert "from the centre" not in _page_text(response.text)
    assert _count(session) == 0


def test_the_thank_you_and_status_pages_are_in_welsh(app, session: Session) -> None:
    client = browser(app)
    data = {"csrf_token": page_token(client, "/add?lang=cy"), "name": SCRIPT, "categories": ["choirs-music"],
            "postcode": "M15 5DD"}
    thanks = client.post("/add?lang=cy", data=data)
    assert thanks.status_code == 200 and '<html lang="cy">' in thanks.text
    assert "Diolch" in thanks.text and "Eich cyfeirnod yw" in thanks.text and "Thank you" not in thanks.text
    reference = re.search(r"AM-[0-9A-Z]{8}", thanks.text).group(0)
    status = client.get(f"/submitted/{reference}")  # the cookie keeps Welsh
    assert '<html lang="cy">' in status.text
    for welsh in (f"Cyflwyniad {reference}", "Lle newydd", "Yn aros am gymedrolwr", "Ychwanegu lle arall"):
        assert welsh in status.text, welsh
    assert SCRIPT not in status.text and "&lt;script&gt;" in status.text
    unknown = client.get("/submitted/AM-00000000")
    assert unknown.status_code == 404 and "Nid oes cyflwyniad â'r cyfeirnod" in _page_text(unknown.text)


def test_the_report_form_is_in_welsh(app, session: Session) -> None:
    asset = make_asset(session, name=SCRIPT)
    client = browser(app)
    page = client.get(f"/places/{asset.id}/report?lang=cy")
    assert '<html lang="cy">' in page.text
    for welsh in ("Beth yw'r broblem?", "Mae wedi cau neu nid yw'n rhedeg mwyach", "Anfon yr adroddiad",
                  "awgrymu newid</a>"):
        assert welsh in _page_text(page.text), welsh
    # The place's English name on the Welsh page says it is English (app/assets/language.py).
    assert SCRIPT not in page.text and "Rhoi gwybod ei fod wedi cau neu'n anghywir: <span lang=\"en\">&lt;script&gt;" in page.text
    token = page_token(client, f"/places/{asset.id}/report")
    missing = client.post(f"/places/{asset.id}/report", data={"csrf_token": token})
    assert missing.status_code == 422 and "Dewiswch beth yw'r broblem" in _page_text(missing.text)


def test_suggest_a_change_in_welsh_says_nothing_changed_in_welsh(app, session: Session) -> None:
    asset = make_asset(session, name="Côr Meibion", categories=["choirs-music"])
    client = browser(app)
    form = client.get(f"/places/{asset.id}/suggest?lang=cy")
    assert "Awgrymu newid i Côr Meibion" in form.text and "Anfon awgrym" in form.text
    assert "Suggest a change" not in _page_text(form.text)
    unchanged = {"csrf_token": page_token(client, f"/places/{asset.id}/suggest"), "name": "Côr Meibion",
                 "categories": ["choirs-music"], "lat": str(asset.lat), "lon": str(asset.lon), "description": asset.description}
    nothing = client.post(f"/places/{asset.id}/suggest", data=unchanged)
    assert nothing.status_code == 422 and "Nid ydych wedi newid dim eto" in nothing.text
