"""Places in Welsh and in English: the Welsh versions of what people write travel through the API, history, exports,
layers, tiles, forms and moderation, and a page shows each text in its own language, or else the other one marked
with `lang`."""

import csv
import io
import math
import re

import mapbox_vector_tile
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.assets.language import place_text
from app.assets.schemas import AssetUpdate
from app.assets.service import update_asset
from app.exports import formats
from app.i18n import use_locale
from tests.factories import make_asset
from tests.people import browser, csrf_of, make_user, page_token, sign_in

MANCHESTER = {"lat": 53.4808, "lon": -2.2426}
WELSH = {
    "name_cy": "Côr Meibion Treorci",
    "description_cy": "Côr i ddynion o bob oed.\n\nDewch i wrando.",
    "opening_hours_text_cy": "Bob nos Fawrth",
    "audience_cy": "Dynion dros 16",
}


def _choir(session: Session, **fields: object):
    english = {"name": "Treorchy Male Choir", "description": "A choir for men of all ages.",
               "opening_hours_text": "Tuesday evenings", "audience": "Men over 16"}
    return make_asset(session, categories=["choirs-music"], **MANCHESTER, **{**english, **WELSH, **fields})


def test_the_welsh_text_is_in_the_api_the_history_and_the_open_data(client, session):
    choir = _choir(session)
    body = client.get(f"/api/v1/assets/{choir.id}").json()
    assert {name: body[name] for name in WELSH} == WELSH

    update_asset(session, choir.id, AssetUpdate(name_cy="Côr Meibion Treorci a'r Cylch"), actor="tests")
    changes, snapshot = session.execute(
        text("SELECT changes, snapshot FROM asset_history WHERE asset_id = :id AND action = 'update'"), {"id": choir.id}
    ).one()
    assert changes == {"name_cy": ["Côr Meibion Treorci", "Côr Meibion Treorci a'r Cylch"]}
    assert snapshot["description_cy"] == WELSH["description_cy"]

    lines = client.get("/api/v1/export.csv").content.decode("utf-8-sig").splitlines()[formats.METADATA_LINES:]
    [row] = csv.DictReader(io.StringIO("\n".join(lines)))
    assert (row["name_cy"], row["audience_cy"]) == ("Côr Meibion Treorci a'r Cylch", "Dynion dros 16")
    [feature] = client.get("/api/v1/export.geojson").json()["features"]
    assert feature["properties"]["opening_hours_text_cy"] == "Bob nos Fawrth"


def test_the_map_layer_and_the_tiles_carry_the_welsh_name(client, session):
    choir = _choir(session)
    [feature] = client.get("/api/v1/assets.geojson", params={"bbox": "-2.3,53.4,-2.2,53.5"}).json()["features"]
    assert (feature["properties"]["name_cy"], feature["properties"]["opening_hours_text_cy"]) == (
        "Côr Meibion Treorci", "Bob nos Fawrth"
    )
    z, n = 14, 2**14
    x = int((MANCHESTER["lon"] + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(MANCHESTER["lat"]))) / math.pi) / 2 * n)
    tile = mapbox_vector_tile.decode(client.get(f"/tiles/assets/{z}/{x}/{y}.pbf").content)
    [point] = tile["assets"]["features"]
    assert point["properties"] == {
        "id": str(choir.id), "name": "Treorchy Male Choir", "name_cy": "Côr Meibion Treorci", "category": "arts-culture"
    }


def test_the_welsh_text_has_the_limits_of_the_english(client):
    place = {"name": "Côr", "categories": ["choirs-music"], "postcode": "CF10 1EP"}
    for name, longest in (("name_cy", 200), ("description_cy", 5000), ("opening_hours_text_cy", 2000), ("audience_cy", 300)):
        response = client.post("/api/v1/submissions", json={"kind": "new", "place": {**place, name: "x" * (longest + 1)}})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == f"place.{name}", name


def test_the_form_asks_for_each_text_in_both_languages_and_takes_a_welsh_name_alone(app, session):
    client = browser(app)
    page = client.get("/add").text
    assert re.search(r'<label for="name">Name of the place or group \(in English\)', page)
    assert re.search(r'<label for="name_cy">Name of the place or group \(in Welsh\) <span class="hint">', page)
    for name in ("description_cy", "opening_hours_text_cy", "audience_cy"):
        assert f'name="{name}"' in page
    assert "(yn Gymraeg)" in client.get("/add", params={"lang": "cy"}).text

    form = {"name_cy": "Côr Meibion Treorci", "description_cy": "Côr i ddynion", "categories": ["choirs-music"],
            "postcode": "CF10 1EP"}
    response = client.post("/add", data={"csrf_token": page_token(client, "/add"), **form}, follow_redirects=False)
    assert response.status_code == 303, response.text
    proposed = session.execute(text("SELECT proposed FROM submission")).scalar_one()
    # A name is not translated: known only by its Welsh name, the place has it in English too.
    assert (proposed["name"], proposed["name_cy"], proposed["description_cy"]) == (
        "Côr Meibion Treorci", "Côr Meibion Treorci", "Côr i ddynion"
    )


def test_a_moderator_sees_both_languages_and_adds_the_missing_one(app, client, session):
    choir = make_asset(session, name="Treorchy Male Choir", categories=["choirs-music"], description="Choir",
                       description_cy="Côr", **MANCHESTER)
    sent = client.post(
        "/api/v1/submissions",
        json={"kind": "edit", "asset_id": str(choir.id), "changes": {"description": "Rehearsals on Tuesdays"}},
    ).json()
    sid = session.execute(text("SELECT id FROM submission WHERE reference = :r"), {"r": sent["reference"]}).scalar_one()
    make_user(session, Role.moderator, "mod@council.example")
    web = browser(app)
    sign_in(web, "mod@council.example")
    page = web.get(f"/moderate/submissions/{sid}").text
    # The change to the English description is compared with the Welsh one it may leave out of date.
    compared = page.split('<table class="compare">')[1].split("</table>")[0]
    assert re.search(r'Description in Welsh</th><td>Côr</td><td class="proposed">Côr</td>', compared)
    assert "Name in Welsh" not in compared
    assert 'name="description_cy"' in page and 'name="name_cy"' in page  # the amend form has both languages
    form = {
        "csrf_token": csrf_of(page), "name": "Treorchy Male Choir", "name_cy": "Côr Meibion Treorci",
        "description": "Rehearsals on Tuesdays", "description_cy": "Ymarfer bob nos Fawrth",
        "categories": "choirs-music", "lat": str(choir.lat), "lon": str(choir.lon),
    }
    assert web.post(f"/moderate/submissions/{sid}/amend", data=form).status_code == 200
    web.post(f"/moderate/submissions/{sid}/approve", data={"csrf_token": form["csrf_token"]})
    after = client.get(f"/api/v1/assets/{choir.id}").json()
    assert (after["name_cy"], after["description"], after["description_cy"]) == (
        "Côr Meibion Treorci", "Rehearsals on Tuesdays", "Ymarfer bob nos Fawrth"
    )
    headers = {"X-API-Key": create_api_key(session, "moderation tool", Role.moderator)[1]}
    [*_, entry] = client.get(f"/api/v1/assets/{choir.id}/history", headers=headers).json()
    assert {"name_cy", "description", "description_cy"} <= set(entry["changes"])


def test_a_text_is_shown_in_the_page_language_or_else_the_other_one_said_with_lang():
    both = {"name": "Treorchy Male Choir", "name_cy": "Côr Meibion Treorci", "description": "A choir", "audience": ""}
    with use_locale("cy"):
        assert (place_text(both, "name").text, place_text(both, "name").foreign) == ("Côr Meibion Treorci", False)
        english_only = place_text(both, "description")
        assert (english_only.text, english_only.lang, str(english_only.attr)) == ("A choir", "en", ' lang="en"')
        assert not place_text(both, "audience")
    with use_locale("en"):
        assert (place_text(both, "name").text, str(place_text(both, "name").attr)) == ("Treorchy Male Choir", "")
        welsh_only = place_text({"name": "Côr", "description_cy": "<b>Côr</b>"}, "description")
        assert welsh_only.__html__() == '<span lang="cy">&lt;b&gt;Côr&lt;/b&gt;</span>'


def test_the_place_page_shows_the_text_in_its_language_and_marks_the_other(client, session):
    choir = _choir(session, description_cy=None, audience="")
    welsh = client.get(f"/places/{choir.id}", params={"lang": "cy"}).text
    assert "<h1>Côr Meibion Treorci</h1>" in welsh and "<title>Côr Meibion Treorci –" in welsh
    assert '<div class="place-description" lang="en"><p>A choir for men of all ages.</p></div>' in welsh
    assert '<p>Bob nos Fawrth</p>' in welsh and "<li>Dynion dros 16</li>" in welsh
    english = client.get(f"/places/{choir.id}", params={"lang": "en"}).text
    assert "<h1>Treorchy Male Choir</h1>" in english and '<p>Tuesday evenings</p>' in english
    assert '<li lang="cy">Dynion dros 16</li>' in english  # no English audience: the Welsh one, said to be Welsh
    welsh_only = make_asset(session, name="Côr", name_cy="Côr", description_cy="Dewch i ganu.", **MANCHESTER)
    page = client.get(f"/places/{welsh_only.id}", params={"lang": "en"}).text
    assert '<div class="place-description" lang="cy"><p>Dewch i ganu.</p></div>' in page


def test_an_import_mapping_fills_the_welsh_fields_from_a_bilingual_file(tmp_path, client):
    from app.imports.readers import import_file

    (tmp_path / "places.csv").write_text(
        "ref,Name,Enw,About,Amdano,Postcode\nc1,Community Cafe,Caffi Cymunedol,Tea and cake,Te a chacen,CF10 1EP\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(
        "source: bilingual\nexternal_id: ref\nfields:\n  name: Name\n  name_cy: Enw\n  description: About\n"
        "  description_cy: Amdano\n  postcode: Postcode\ncategories: [cafes]\n",
        encoding="utf-8",
    )
    run = import_file("csv", tmp_path / "places.csv", tmp_path / "mapping.yaml")
    assert run.status == "succeeded", run.errors
    [item] = client.get("/api/v1/assets/nearby", params={"postcode": "CF10 1EP", "q": "caffi"}).json()["items"]
    assert (item["name_cy"], item["description_cy"]) == ("Caffi Cymunedol", "Te a chacen")


def test_the_resident_forms_name_the_place_in_the_page_language(client, session):
    choir = _choir(session)
    english_only = make_asset(session, name="Albert Square Food Bank", **MANCHESTER)
    report = client.get(f"/places/{choir.id}/report", params={"lang": "cy"}).text
    assert "Côr Meibion Treorci</h1>" in report and "<title>" in report and "Treorchy Male Choir" not in report
    suggest = client.get(f"/places/{english_only.id}/suggest").text  # the cookie keeps Welsh
    assert '<strong><span lang="en">Albert Square Food Bank</span></strong>' in suggest


def test_the_finder_and_a_shortlist_show_names_and_times_in_the_page_language(client, session):
    choir = _choir(session)
    bank = make_asset(session, name="Albert Square Food Bank", opening_hours_text="Fridays, by referral", **MANCHESTER)
    finder = client.get("/finder", params={"postcode": "M2 5PD", "lang": "cy"}).text
    assert f'<a href="/places/{choir.id}">Côr Meibion Treorci</a>' in finder
    assert f'<a href="/places/{bank.id}" lang="en">Albert Square Food Bank</a>' in finder
    assert '<span lang="en">Fridays, by referral</span>' in finder  # no Welsh times: the English, said so
    items = [{"asset_id": str(choir.id)}, {"asset_id": str(bank.id)}]
    code = client.post("/api/v1/shortlists", json={"items": items}).json()["code"]
    shortlist = client.get(f"/s/{code}", params={"lang": "en"}).text
    assert f'<a href="/places/{choir.id}">Treorchy Male Choir</a>' in shortlist
    assert "Tuesday evenings" in shortlist and "Bob nos Fawrth" not in shortlist
    welsh = client.get(f"/s/{code}", params={"lang": "cy"}).text
    assert "Bob nos Fawrth" in welsh and '<span lang="en">Fridays, by referral</span>' in welsh
