"""The API's error messages follow Accept-Language (issue 15): Welsh for `cy`, with the same status codes and the same
`field` names; English, without the header, exactly as before."""

import datetime as dt
import uuid
from enum import Enum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from app.core import errors
from app.core.errors import unavailable_response, validation_errors
from app.i18n import use_locale

WELSH = {"Accept-Language": "cy"}
BAD_PLACE = {"kind": "new", "place": {"name": "x" * 300, "categories": [], "postcode": "nope", "extra": 1}}


def _both(client, method: str, path: str, **kwargs):
    """The same request in English (no header) and in Welsh."""
    return client.request(method, path, **kwargs), client.request(method, path, headers=WELSH, **kwargs)


def test_a_422_in_welsh_names_the_same_fields_with_welsh_messages(client) -> None:
    english, welsh = _both(client, "GET", "/api/v1/assets/nearby?lat=91&lon=0")
    assert english.status_code == welsh.status_code == 422
    assert english.json() == {
        "detail": "Invalid request: lat must be at most 90.0 (got '91')",
        "errors": [{"field": "lat", "message": "must be at most 90.0 (got '91')"}],
    }
    assert welsh.headers["content-language"] == "cy" and english.headers["content-language"] == "en-GB"
    assert welsh.json() == {
        "detail": "Cais annilys: lat: rhaid i'r gwerth fod yn 90.0 neu lai (cafwyd '91')",
        "errors": [{"field": "lat", "message": "rhaid i'r gwerth fod yn 90.0 neu lai (cafwyd '91')"}],
    }


def test_a_bad_submission_in_welsh_keeps_every_field_name(client) -> None:
    english, welsh = _both(client, "POST", "/api/v1/submissions", json=BAD_PLACE)
    assert english.status_code == welsh.status_code == 422
    fields = ["place.name", "place.categories", "place.postcode", "place.extra"]
    assert [e["field"] for e in english.json()["errors"]] == [e["field"] for e in welsh.json()["errors"]] == fields
    assert [e["message"] for e in english.json()["errors"]] == [
        "String should have at most 200 characters",
        "List should have at least 1 item after validation, not 0",
        "'nope' is not a UK postcode",
        "is not a field this endpoint accepts",
    ]
    assert [e["message"] for e in welsh.json()["errors"]] == [
        "Dylai'r testun fod yn 200 nod ar y mwyaf",
        "Dylai'r rhestr gynnwys 1 eitem o leiaf ar ôl dilysu, nid 0",
        "nid yw 'nope' yn god post yn y DU",
        "nid yw'n faes y mae'r pwynt terfyn hwn yn ei dderbyn",
    ]
    assert welsh.json()["detail"].startswith("Cais annilys: place.name: Dylai'r testun")


@pytest.mark.parametrize(
    ("method", "path", "status", "english", "welsh"),
    [
        ("GET", "/api/v1/submissions/AM-00000000/status", 404,
         "No submission has the reference 'AM-00000000'. Check it against the one you were given.",
         "Nid oes cyflwyniad â'r cyfeirnod 'AM-00000000'. Gwiriwch ef yn erbyn yr un a gawsoch."),
        ("GET", "/api/v1/postcodes/M99%209ZZ", 404,
         "We do not know the postcode 'M99 9ZZ'. Check it, or try just the first half.",
         "Nid ydym yn adnabod y cod post 'M99 9ZZ'. Gwiriwch ef, neu rhowch gynnig ar yr hanner cyntaf yn unig."),
        ("POST", "/api/v1/assets", 401,
         "This needs an API key in the X-API-Key header (or a signed-in session).",
         "Mae angen allwedd API ym mhennyn X-API-Key ar gyfer hyn (neu sesiwn wedi mewngofnodi)."),
        ("GET", "/oruk/services/00000000-0000-4000-8000-000000000000", 404,
         "No service has the id 00000000-0000-4000-8000-000000000000.",
         "Nid oes gwasanaeth â'r dynodydd 00000000-0000-4000-8000-000000000000."),
        ("GET", "/api/v1/no-such-thing", 404, "Not Found", "Heb ei ganfod"),
    ],
)
def test_refusals_are_in_welsh_with_the_same_status(client, method, path, status, english, welsh) -> None:
    in_english, in_welsh = _both(client, method, path, **({"json": {}} if method == "POST" else {}))
    assert in_english.status_code == in_welsh.status_code == status
    assert in_english.json()["detail"] == english and in_welsh.json()["detail"] == welsh
    fields = [e["field"] for e in in_english.json()["errors"]]
    assert fields == [e["field"] for e in in_welsh.json()["errors"]]
    assert [e["message"] for e in in_welsh.json()["errors"]] == [welsh] * len(fields)


def test_english_is_the_same_with_or_without_asking_for_it(client) -> None:
    for path in ("/api/v1/assets/nearby?lat=x&lon=0&radius_m=0&day=xyz", "/oruk/services?day=xx"):
        plain = client.get(path)
        asked = client.get(path, headers={"Accept-Language": "en-GB"})
        assert plain.status_code == asked.status_code == 422 and plain.content == asked.content
    assert plain.json()["errors"] == [
        {"field": "day", "message": "must be a day of the week such as MO, TU, WE, TH, FR, SA or SU (got 'xx')"}
    ]


def test_the_outage_answer_is_in_the_requests_language() -> None:
    with use_locale("cy"):
        welsh = unavailable_response("/api/v1/assets/nearby")
    english = unavailable_response("/api/v1/assets/nearby")
    assert welsh.status_code == english.status_code == 503
    assert b"Nid yw'r gwasanaeth ar gael dros dro" in welsh.body
    assert b"The service is temporarily unavailable: its database cannot be reached." in english.body


class _Colour(Enum):
    red = "red"
    blue = "blue"


class _Inner(BaseModel):
    kind: Literal["a"]


class _Other(BaseModel):
    kind: Literal["b"]


class _Everything(BaseModel):
    """A field for each pydantic error that errors._PYDANTIC words in the request's language."""

    long: str = Field("", max_length=3)
    short: str = Field("ab", min_length=2)
    few: list[int] = Field([1], min_length=1, max_length=2)
    text: str = ""
    pattern: str = Field("1", pattern=r"^\d+$")
    whole: int = 0
    number: float = 0
    flag: bool = False
    colour: _Colour = _Colour.red
    choice: Literal["x", "y"] = "x"
    id: uuid.UUID = uuid.UUID(int=0)
    items: list[int] = []
    mapping: dict = {}
    inner: _Inner | None = None
    at: dt.time = dt.time(0)
    day: dt.date = dt.date(2026, 1, 1)
    moment: dt.datetime = dt.datetime(2026, 1, 1)
    tagged: Annotated[_Inner | _Other, Field(discriminator="kind")] | None = None


BAD = [
    {"long": "abcd", "short": "a", "few": [1, 2, 3], "text": 3, "pattern": "a", "whole": "x", "number": "x",
     "flag": "maybe", "colour": "green", "choice": "z", "id": "x", "items": 3, "mapping": 3, "inner": 3, "at": "25:00",
     "day": "2026-13-01", "moment": "2026-01-01T25:00", "tagged": {"kind": "c"}},
    {"few": [], "whole": 1.5, "number": [1], "flag": [1], "id": 3, "whole_": 0, "at": [1], "tagged": {}},
    {"whole": [1], "tagged": 3},
]


def _pydantic_errors() -> list[dict]:
    found = []
    for data in BAD:
        with pytest.raises(ValidationError) as raised:
            _Everything.model_validate({k: v for k, v in data.items() if not k.endswith("_")})
        found += raised.value.errors()
    return found


def test_every_worded_pydantic_error_reads_as_pydantics_own_in_english_and_otherwise_in_welsh() -> None:
    raw = _pydantic_errors()
    assert set(errors._PYDANTIC) <= {e["type"] for e in raw}  # each wording is checked below
    worded = [e for e in raw if e["type"] in errors._PYDANTIC]
    english = [e["message"] for e in validation_errors(worded)]
    assert english == [e["msg"] for e in worded]
    with use_locale("cy"):
        welsh = [e["message"] for e in validation_errors(worded)]
    for message, original in zip(welsh, english, strict=True):
        assert message and message != original, original
        assert message.startswith(("Dylai", "Nid yw", "Methu")), message
