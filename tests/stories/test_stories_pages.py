"""Stories on the pages: the resident's form (CSRF, errors, the reference shown once), the place page, the finder
and a printed shortlist, reports, removal with the reference, and the moderators' pages."""

import re
import uuid

from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, page_token, sign_in
from tests.stories.conftest import STORY, send

SCRIPT = "<script>alert('x')</script>"
REFERENCE = re.compile(r'id="story-reference">(ST-[0-9A-Z-]+)<')


def form(**fields: str) -> dict[str, str]:
    return {"text": STORY, "signature": "Jean", "language": "en", "consent": "yes", **fields}


def publish(session: Session, story_id: str) -> None:
    session.execute(text("UPDATE story SET status = 'published', published_at = now() WHERE id = :id"), {"id": story_id})
    session.commit()


def test_a_resident_tells_a_place_s_story_and_is_shown_the_reference_once(app, session: Session) -> None:
    place = make_asset(session, name="Hulme Lunch Club")
    web = browser(app)
    page = web.get(f"/places/{place.id}")
    assert f'href="/places/{place.id}/stories/new"' in page.text and "No stories yet" in page.text
    token = page_token(web, f"/places/{place.id}/stories/new")
    sent = web.post(f"/places/{place.id}/stories/new", data={"csrf_token": token, **form()})
    assert sent.status_code == 200 and sent.headers["cache-control"] == "no-store"
    reference = REFERENCE.search(sent.text).group(1)
    assert 'href="/stories/remove"' in sent.text
    row = session.execute(text("SELECT text, signature, language, status FROM story")).one()
    assert tuple(row) == (STORY, "Jean", "en", "pending")
    assert reference not in str(session.execute(text("SELECT * FROM story")).one())
    assert STORY not in web.get(f"/places/{place.id}").text  # not before a moderator approves it


def test_the_form_needs_its_csrf_token(app, session: Session) -> None:
    place = make_asset(session)
    refused = browser(app).post(f"/places/{place.id}/stories/new", data=form())
    assert refused.status_code == 403
    assert session.execute(text("SELECT count(*) FROM story")).scalar_one() == 0


def test_the_form_chooses_the_page_s_language(app, session: Session) -> None:
    place = make_asset(session)
    welsh = browser(app).get(f"/places/{place.id}/stories/new", params={"lang": "cy"}).text
    assert 'value="cy" checked' in welsh and 'value="en" checked' not in welsh


def test_mistakes_are_shown_on_the_form_with_what_was_typed(app, session: Session) -> None:
    place = make_asset(session)
    web = browser(app)
    token = page_token(web, f"/places/{place.id}/stories/new")
    url = f"/places/{place.id}/stories/new"
    cases = {
        "too many words": (form(text="word " * 301), "has 301 words: the limit is 300"),
        "too long": (form(text="x" * 2001), "at most 2000 characters"),
        "no consent": ({k: v for k, v in form().items() if k != "consent"}, "Tick the box to agree"),
        "script": (form(text=f"Nice {SCRIPT}"), "must be plain text"),
        "script signature": (form(signature=SCRIPT), "must be plain text"),
        "phone signature": (form(signature="07700 900123"), "first name only"),
    }
    for name, (fields, message) in cases.items():
        response = web.post(url, data={"csrf_token": token, **fields})
        assert response.status_code == 422, name
        assert message in response.text, name
        assert SCRIPT not in response.text, name  # what was typed is shown escaped
    kept = web.post(url, data={"csrf_token": token, **form(text=f"Nice {SCRIPT}")}).text
    assert "Nice &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in kept
    assert session.execute(text("SELECT count(*) FROM story")).scalar_one() == 0


def test_the_honeypot_discards_a_robot_s_story(app, session: Session) -> None:
    place = make_asset(session)
    web = browser(app)
    token = page_token(web, f"/places/{place.id}/stories/new")
    response = web.post(f"/places/{place.id}/stories/new", data={"csrf_token": token, "fax": "1", **form()})
    assert response.status_code == 200 and not REFERENCE.search(response.text)
    assert session.execute(text("SELECT count(*) FROM story")).scalar_one() == 0


def test_unknown_or_unpublished_places_have_no_story_form(app, session: Session) -> None:
    pending = make_asset(session, status="pending")
    web = browser(app)
    assert web.get(f"/places/{pending.id}/stories/new").status_code == 404
    assert web.get(f"/places/{uuid.uuid4()}/stories/new").status_code == 404


def test_published_stories_show_on_the_place_page_in_their_language(client, session: Session) -> None:
    place = make_asset(session, name="Canolfan")
    welsh = send(client, place.id, text="Lle croesawgar iawn.", language="cy", signature=None)
    english = send(client, place.id)
    pending = send(client, place.id, text="Still waiting for a moderator.")
    for story in (welsh, english):
        publish(session, story["id"])
    page = client.get(f"/places/{place.id}").text
    assert '<blockquote lang="cy"><p>Lle croesawgar iawn.</p></blockquote>' in page
    assert f'<blockquote lang="en"><p>{STORY}</p></blockquote>' in page
    assert "Still waiting" not in page and pending["id"] not in page
    assert "— Anonymous" in page and "— Jean" in page
    assert page.count('class="story-report no-print"') == 2
    assert f'href="/stories/{welsh["id"]}/report"' in page


def test_stored_markup_is_shown_escaped_everywhere(client, session: Session, app) -> None:
    """The validators refuse markup; a story that held some anyway (written to the database directly) is text."""
    place = make_asset(session)
    story = send(client, place.id)
    session.execute(
        text("UPDATE story SET text = :t, signature = :s, status = 'published', published_at = now()"),
        {"t": f"Hello {SCRIPT}", "s": SCRIPT},
    )
    session.commit()
    pages = [client.get(f"/places/{place.id}").text, client.get(f"/stories/{story['id']}/report").text]
    shortlist = client.post("/api/v1/shortlists", json={"items": [{"asset_id": str(place.id)}]}).json()
    pages.append(client.get(f"/s/{shortlist['code']}", params={"stories": "true"}).text)
    moderator = browser(app)
    sign_in(moderator, make_user(session, Role.moderator).email)
    pages += [moderator.get(f"/moderate/stories/{story['id']}").text, moderator.get("/moderate/stories?status=published").text]
    for page in pages:
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page


def test_the_finder_shows_the_newest_stories_of_each_result(client, session: Session) -> None:
    place = make_asset(session, name="Tuesday Singers", lat=53.4836, lon=-2.2320)
    for n in range(3):
        publish(session, send(client, place.id, text=f"Singing story {n}")["id"])
    page = client.get("/finder", params={"postcode": "M1 1AE"}).text
    assert "3 stories from people who go there" in page
    assert "Singing story 2" in page and "Singing story 1" in page and "Singing story 0" not in page
    assert f'href="/places/{place.id}#stories-heading"' in page


def test_a_shortlist_prints_stories_only_when_asked(client, session: Session) -> None:
    place = make_asset(session, name="Knit and Natter")
    publish(session, send(client, place.id, text="Knitting saved my winter.")["id"])
    code = client.post("/api/v1/shortlists", json={"items": [{"asset_id": str(place.id)}]}).json()["code"]
    plain = client.get(f"/s/{code}").text
    assert "Knitting saved my winter." not in plain and f'href="/s/{code}?stories=true"' in plain
    with_stories = client.get(f"/s/{code}", params={"stories": "true"}).text
    assert '<blockquote lang="en"><p>Knitting saved my winter.</p></blockquote>' in with_stories
    assert f'href="/s/{code}"' in with_stories and "Report this story" not in with_stories


def test_a_reader_reports_a_story_from_its_page(app, client, session: Session) -> None:
    place = make_asset(session)
    story = send(client, place.id)
    web = browser(app)
    assert web.get(f"/stories/{story['id']}/report").status_code == 404  # not published yet
    publish(session, story["id"])
    token = page_token(web, f"/stories/{story['id']}/report")
    no_reason = web.post(f"/stories/{story['id']}/report", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "Choose what is wrong" in no_reason.text
    done = web.post(f"/stories/{story['id']}/report", data={"csrf_token": token, "reason": "names_someone"})
    assert done.status_code == 200 and "Thank you for telling us" in done.text
    assert session.execute(text("SELECT reports FROM story")).scalar_one() == 1
    assert web.post(f"/stories/{story['id']}/report", data={"reason": "unkind"}).status_code == 403  # no CSRF token


def test_the_author_removes_their_story_on_the_removal_page(app, client, session: Session) -> None:
    place = make_asset(session)
    story = send(client, place.id)
    publish(session, story["id"])
    web = browser(app)
    token = page_token(web, "/stories/remove")
    wrong = web.post("/stories/remove", data={"csrf_token": token, "reference": "ST-0000-0000-0000"})
    assert wrong.status_code == 404 and "No story has this reference" in wrong.text
    nonsense = web.post("/stories/remove", data={"csrf_token": token, "reference": "<b>hi</b>"})
    assert nonsense.status_code == 422 and "<b>hi</b>" not in nonsense.text
    removed = web.post("/stories/remove", data={"csrf_token": token, "reference": story["reference"]})
    assert removed.status_code == 200 and "Your story has been removed" in removed.text
    assert STORY not in client.get(f"/places/{place.id}").text
    again = web.post("/stories/remove", data={"csrf_token": token, "reference": story["reference"]})
    assert again.status_code == 410 and "already been removed" in again.text
    assert web.post("/stories/remove", data={"reference": story["reference"]}).status_code == 403  # no CSRF token


def test_a_moderator_redacts_then_approves_and_the_history_says_so(app, client, session: Session) -> None:
    place = make_asset(session, name="Hulme Lunch Club")
    story = send(client, place.id, text="Dave from number 4 brought me here. Best soup in Hulme.")
    web = browser(app)
    sign_in(web, make_user(session, Role.moderator).email)
    assert 'href="/moderate/stories"' in web.get("/moderate").text
    queue = web.get("/moderate/stories").text
    assert "Hulme Lunch Club" in queue and f'href="/moderate/stories/{story["id"]}"' in queue
    page = web.get(f"/moderate/stories/{story['id']}").text
    csrf = csrf_of(page)
    assert 'value="Edited to remove a name"' in page
    no_note = web.post(f"/moderate/stories/{story['id']}/edit",
                       data={"csrf_token": csrf, "text": "Fine.", "signature": "Jean", "note": ""})
    assert no_note.status_code == 422
    edited = web.post(
        f"/moderate/stories/{story['id']}/edit",
        data={"csrf_token": csrf, "text": "[Name removed] brought me here. Best soup in Hulme.", "signature": "Jean",
              "note": "Edited to remove a name"},
    )
    assert edited.status_code == 200 and "Saved." in edited.text  # after the redirect
    assert "Edited to remove a name" in edited.text and "Dave" not in edited.text
    approved = web.post(f"/moderate/stories/{story['id']}/approve", data={"csrf_token": csrf})
    assert approved.status_code == 200 and "Done: the story is now published." in approved.text
    assert "[Name removed] brought me here." in client.get(f"/places/{place.id}").text
    history = web.get(f"/moderate/stories/{story['id']}").text
    assert re.search(r"Edited\s+by user:\d+ \(moderator@council.example\): “Edited to remove a name”", history)


def test_a_moderator_acts_on_reports(app, client, session: Session) -> None:
    place = make_asset(session)
    story = send(client, place.id)
    publish(session, story["id"])
    client.post(f"/api/v1/stories/{story['id']}/report", json={"reason": "unkind"})
    web = browser(app)
    sign_in(web, make_user(session, Role.moderator).email)
    reported = web.get("/moderate/stories", params={"reported": "true"}).text
    assert "1 report" in reported
    page = web.get(f"/moderate/stories/{story['id']}").text
    assert "It is unkind or offensive" in page and f'action="/moderate/stories/{story["id"]}/keep"' in page
    kept = web.post(f"/moderate/stories/{story['id']}/keep", data={"csrf_token": csrf_of(page)})
    assert kept.status_code == 200
    assert session.execute(text("SELECT status, reports FROM story")).one() == ("published", 0)
    assert "Nothing to do here." in web.get("/moderate/stories", params={"reported": "true"}).text


def test_story_pages_are_for_moderators_only(app, session: Session) -> None:
    web = browser(app)
    assert web.get("/moderate/stories").status_code == 401
    sign_in(web, make_user(session, Role.link_worker, "worker@council.example").email)
    assert web.get("/moderate/stories").status_code == 403


def test_the_story_pages_speak_welsh(app, client, session: Session) -> None:
    place = make_asset(session, name="Canolfan Gymunedol")
    web = browser(app)
    page = web.get(f"/places/{place.id}/stories/new", params={"lang": "cy"}).text
    assert "Rhannu eich stori am Canolfan Gymunedol" in page and "Share your story" not in page
    token = csrf_of(page)
    too_long = web.post(f"/places/{place.id}/stories/new", data={"csrf_token": token, **form(text="gair " * 301)})
    assert too_long.status_code == 422 and "mae ganddi 301 gair: yr uchafswm yw 300" in too_long.text
    api = client.post(f"/api/v1/assets/{place.id}/stories", json={"text": "Da.", "consent": False},
                      headers={"Accept-Language": "cy"})
    assert api.status_code == 422 and "dim ond gyda chytundeb ei hawdur" in api.json()["errors"][0]["message"]
    publish(session, send(client, place.id, text="Lle croesawgar iawn.", language="cy")["id"])
    welsh_place = web.get(f"/places/{place.id}").text
    assert "Straeon pobl" in welsh_place and "Rhoi gwybod am y stori hon" in welsh_place
