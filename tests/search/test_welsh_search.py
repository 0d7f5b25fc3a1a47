"""The search's words (`q`) in Welsh and in English: each claim of docs/cymraeg.md, "What the search matches in
Welsh", is tested here, the limits as well as the matches."""

import pytest
from sqlalchemy import text

from tests.factories import make_asset

CARDIFF = {"lat": 51.4816, "lon": -3.1791}


@pytest.fixture
def places(session):
    make_asset(session, name="Community Cafe", name_cy="Caffi Cymunedol", categories=["cafes"], **CARDIFF)
    make_asset(session, name="Treorchy Male Voice Choir", name_cy="Côr Meibion Treorci", categories=["choirs-music"],
               description_cy="Ymarfer bob nos Fawrth yn y neuadd.", **CARDIFF)
    make_asset(session, name="Cor Cymuned Grangetown", categories=["choirs-music"], description="Singing for all",
               **CARDIFF)  # written without the circumflex
    make_asset(session, name="Ŵyn Bach Playgroup", categories=["families"], **CARDIFF)


def found(client, q: str) -> list[str]:
    response = client.get("/api/v1/assets/nearby", params={**CARDIFF, "q": q, "radius_m": 1000})
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


def test_welsh_words_match_in_either_language_and_without_accents(client, places):
    assert found(client, "caffi") == ["Community Cafe"]  # the Welsh name only
    assert found(client, "Caffi Cymunedol") == ["Community Cafe"]
    assert found(client, "cor") == ["Cor Cymuned Grangetown", "Treorchy Male Voice Choir"]  # "Côr" and "Cor"
    assert found(client, "côr") == ["Cor Cymuned Grangetown", "Treorchy Male Voice Choir"]
    assert found(client, "CÔR MEIBION") == ["Treorchy Male Voice Choir"]
    assert found(client, "neuadd") == ["Treorchy Male Voice Choir"]  # in the Welsh description
    assert found(client, "wyn bach") == ["Ŵyn Bach Playgroup"]  # ŵ and ŷ too
    assert found(client, "côr singing") == ["Cor Cymuned Grangetown"]  # words from both languages together


def test_english_words_keep_their_stemming(client, places):
    assert found(client, "choirs") == ["Treorchy Male Voice Choir"]
    assert found(client, "sing") == ["Cor Cymuned Grangetown"]


def test_what_it_does_not_match(client, places):
    assert found(client, "gôr") == []  # a mutated form ("ei gôr") is another word: no mutation handling
    assert found(client, "nghaffi") == []
    assert found(client, "corau") == []  # a Welsh plural: no Welsh stemming
    assert found(client, "caff") == []  # whole words only, not the start of one
    assert found(client, "cymunedol caffis") == []


def test_the_words_of_both_languages_are_indexed(session, places):
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.execute(text(
        "EXPLAIN SELECT id FROM asset a WHERE a.search_words @@ websearch_to_tsquery('assetmap_words', 'côr')"
    )).scalars())
    assert "ix_asset_search_words" in plan


def test_english_stemming_is_for_the_english_text_only(client, session):
    make_asset(session, name="Caffi Seren", categories=["cafes"], **CARDIFF)
    make_asset(session, name="Star Cafe", name_cy="Caffi'r Seren", categories=["cafes"], **CARDIFF)
    assert found(client, "caffis") == ["Caffi Seren"]  # stemmed as if English: "caffi"
    assert found(client, "caffi") == ["Caffi Seren", "Star Cafe"]


def test_welsh_is_welsh_whether_a_place_wrote_welsh_or_cymraeg(client, session):
    make_asset(session, name="Ti a Fi", languages=["Cymraeg"], categories=["families"], **CARDIFF)
    make_asset(session, name="Welsh for Adults", languages=["Welsh", "English"], categories=["adult-learning"], **CARDIFF)
    make_asset(session, name="Polish Saturday School", languages=["Polish"], categories=["young-people"], **CARDIFF)

    def offered_in(language: str) -> list[str]:
        response = client.get("/api/v1/assets/nearby", params={**CARDIFF, "language": language})
        assert response.status_code == 200, response.text
        return sorted(item["name"] for item in response.json()["items"])

    for asked in ("Welsh", "welsh", "Cymraeg", "CYMRAEG", " Cymraeg "):
        assert offered_in(asked) == ["Ti a Fi", "Welsh for Adults"], asked
    assert offered_in("Polish") == ["Polish Saturday School"]
    finder = client.get("/finder", params={"postcode": "CF10 1EP", "radius_m": 16093, "language": "Cymraeg"}).text
    assert "Ti a Fi" in finder and "Welsh for Adults" in finder and "Polish Saturday School" not in finder


def test_the_finder_asks_for_welsh_medium_groups(client, session):
    make_asset(session, name="Ti a Fi", languages=["Cymraeg"], categories=["families"], **CARDIFF)
    make_asset(session, name="Polish Saturday School", languages=["Polish"], categories=["young-people"], **CARDIFF)
    search = {"postcode": "CF10 1EP", "radius_m": 16093, "welsh": "yes"}
    page = client.get("/finder", params=search).text
    assert "Ti a Fi" in page and "Polish Saturday School" not in page
    assert 'id="welsh" name="welsh" value="yes" checked' in page
    both = client.get("/finder", params={**search, "language": "Polish"})
    assert both.status_code == 422 and "Tick Welsh-medium or type one language, not both" in both.text
    assert client.get("/finder", params={**search, "language": "Cymraeg"}).status_code == 200  # the same language
    assert "Cyfrwng Cymraeg: yn cael ei gynnal yn Gymraeg" in client.get("/finder", params={"lang": "cy"}).text
