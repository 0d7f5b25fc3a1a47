"""The moderators' screens in Welsh (issue 15): sign-in, the queue, a submission and its decision, history, stale places
and duplicates; what residents typed stays escaped."""

import re

from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.assets.service import verify_asset
from tests.factories import make_asset
from tests.people import PASSWORD, browser, csrf_of, make_user, sign_in

SCRIPT = "<script>alert('x')</script>"
NEW = {"kind": "new", "place": {"name": SCRIPT, "categories": ["arts-crafts"], "postcode": "M15 5DD"}}
# Interface text of the English screens that must not be left on the Welsh ones.
ENGLISH = (
    "Signed in as", "Sign out", "Queue", "Still running?", "Listed twice?", "Council area", "Filter", "Received",
    "Reference", "Back to the queue", "Decide", "Approve and publish", "Reject", "Field", "Proposed", "History of",
    "Restore this version", "Newest change first", "Waiting for a moderator", "New place", "Possible duplicates",
)


def _page_text(html: str) -> str:
    """The page without the scripts' translations (their English keys are in <body data-messages>), with apostrophes
    as apostrophes."""
    return re.sub(r' data-messages="[^"]*"', "", html).replace("&#39;", "'")


def _welsh_moderator(app, session: Session):
    web = browser(app)
    make_user(session, Role.moderator, "mod@council.example")
    web.get("/login?lang=cy")  # the choice is remembered for the screens that follow
    sign_in(web, "mod@council.example")
    return web


def _no_english(html: str) -> None:
    page = _page_text(html)
    for english in ENGLISH:
        assert not re.search(rf">\s*{re.escape(english)}", page), english


def test_signing_in_in_welsh(app, session: Session) -> None:
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    form = web.get("/login?lang=cy")
    assert '<html lang="cy">' in form.text
    for welsh in ("<h1>Mewngofnodi</h1>", "Cyfeiriad e-bost", "Cyfrinair", "Nid oes angen cyfrif ar drigolion"):
        assert welsh in form.text, welsh
    wrong = web.post("/login", data={"csrf_token": csrf_of(form.text), "email": "mod@council.example", "password": "no"})
    assert wrong.status_code == 401 and '<html lang="cy">' in wrong.text
    assert "Nid yw'r cyfeiriad e-bost a'r cyfrinair hwnnw'n cyfateb i gyfrif" in _page_text(wrong.text)
    assert "do not match" not in wrong.text
    sign_in(web, "mod@council.example", PASSWORD)
    assert "Allgofnodi" in web.get("/moderate").text
    # a page for moderators, asked for without signing in, answers the Welsh sign-in form
    anonymous = browser(app).get("/moderate?lang=cy")
    assert anonymous.status_code == 401 and "Mewngofnodwch i weld y dudalen hon." in anonymous.text


def test_the_queue_and_a_decision_in_welsh(app, client, session: Session) -> None:
    reference = client.post("/api/v1/submissions", json=NEW).json()["reference"]
    sid = session.execute(text("SELECT id FROM submission WHERE reference = :r"), {"r": reference}).scalar_one()
    web = _welsh_moderator(app, session)
    queue = web.get("/moderate")
    assert queue.status_code == 200 and '<html lang="cy">' in queue.text
    html = _page_text(queue.text)
    for welsh in ("Ciw cymedroli", "Wedi mewngofnodi fel <strong>mod@council.example</strong> (cymedrolwr)",
                  "Allgofnodi", "1 cyflwyniad, yr hynaf yn gyntaf.", "Lle newydd", "Yn aros am gymedrolwr", "Hidlo"):
        assert welsh in html, welsh
    assert SCRIPT not in queue.text and "&lt;script&gt;" in queue.text
    _no_english(queue.text)

    page = web.get(f"/moderate/submissions/{sid}")
    html = _page_text(page.text)
    for welsh in ("Lle arfaethedig", "Penderfynu", "Cymeradwyo a chyhoeddi", "Gwrthod", "Cod post", "Categorïau",
                  "Diwygio'r cynnig cyn cymeradwyo"):
        assert welsh in html, welsh
    assert SCRIPT not in page.text
    _no_english(page.text)

    no_reason = web.post(f"/moderate/submissions/{sid}/reject", data={"csrf_token": csrf_of(page.text), "reason": ""})
    assert no_reason.status_code == 422 and "Rhowch reswm y gall yr anfonwr ei ddarllen" in _page_text(no_reason.text)
    done = web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and f"Cymeradwywyd {reference}." in done.text
    again = web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "Wedi'i benderfynu eisoes" in _page_text(again.text)
    assert f"eisoes wedi cymeradwyo cyflwyniad {reference}" in _page_text(again.text)


def test_history_stale_and_duplicates_in_welsh(app, session: Session) -> None:
    place = make_asset(session, name="Caffi Cymunedol")
    verify_asset(session, place.id, "mod@council.example")
    web = _welsh_moderator(app, session)
    history = web.get(f"/moderate/assets/{place.id}/history")
    html = _page_text(history.text)
    assert '<html lang="cy">' in history.text
    for welsh in ("Hanes Caffi Cymunedol", "Dilysu, ", "Creu, ", "Gwiriwyd ddiwethaf", "Maes", "Cyn", "Ar ôl",
                  "Adfer y fersiwn hon", "Y newid diweddaraf yn gyntaf.", "Yn ôl i'r ciw"):
        assert welsh in html, welsh
    _no_english(history.text)

    stale = make_asset(session, name="Côr Meibion")
    page = web.get("/moderate/stale")
    html = _page_text(page.text)
    for welsh in ("<h1>Yn dal i redeg?</h1>", "1 lle i'w wirio.", "Heb ei wirio eto", "Ydy, yn dal i redeg"):
        assert welsh in html, welsh
    _no_english(page.text)
    verified = web.post(f"/moderate/assets/{stale.id}/verify",
                        data={"csrf_token": csrf_of(page.text), "next": "/moderate/stale"})
    assert "Nodwyd bod Côr Meibion yn dal i redeg." in verified.text

    duplicates = web.get("/moderate/duplicates")
    html = _page_text(duplicates.text)
    assert "<h1>Wedi'i restru ddwywaith?</h1>" in html and "0 pâr i edrych arnynt." in html
    assert "Nid oes lleoedd yn aros yma." in html
    _no_english(duplicates.text)


def test_the_english_screens_are_unchanged(app, client, session: Session) -> None:
    client.post("/api/v1/submissions", json=NEW)
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    queue = web.get("/moderate")
    assert '<html lang="en-GB">' in queue.text
    assert "1 submission, oldest first." in queue.text and "Signed in as <strong>mod@council.example</strong> (moderator)" in queue.text
