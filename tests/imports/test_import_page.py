"""The import page under /moderate: upload, the suggested mapping with a preview, dry run, import; bad files."""

import os
import re
import time
from html import unescape
from pathlib import Path

from sqlalchemy import text

from app.accounts.models import Role
from app.imports import uploads
from tests.factories import make_asset
from tests.imports.test_lose_no_place import HEADER, ROWS
from tests.people import browser, make_user, page_token, sign_in

ID = re.compile(r'action="/moderate/imports/([A-Za-z0-9_-]+)"')


def imported(client, upload: str, form: dict):
    """Starts the import and follows its progress page (which reloads itself) until the report."""
    response = client.post(f"/moderate/imports/{upload}", data=form | {"action": "import"})
    for _ in range(1200):
        if response.status_code != 200 or "<h1>Importing " not in response.text:
            return response
        assert "rows." in response.text or "Reading the file" in response.text
        time.sleep(0.05)
        response = client.get(f"/moderate/imports/{upload}/progress")
    raise AssertionError("the import did not finish")


def _mapping(html: str) -> str:
    return unescape(re.search(r'<textarea id="mapping" name="mapping"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_upload_preview_dry_run_then_import(app, session):
    make_user(session, Role.admin, "admin@council.example")
    client = browser(app)
    sign_in(client, "admin@council.example")
    token = page_token(client, "/moderate/imports")
    data = (HEADER + "".join(ROWS)).encode()
    page = client.post("/moderate/imports", data={"csrf_token": token}, files={"file": ("food.csv", data, "text/csv")})
    assert page.status_code == 200, page.text
    upload = ID.search(page.text).group(1)
    folder = Path(os.environ["UPLOAD_DIR"])  # the setting; this test process's own folder (tests/conftest.py)
    assert list(folder.glob(f"{upload}.*")) and folder.stat().st_mode & 0o777 == 0o700  # readable by the app alone
    mapping = _mapping(page.text)
    assert "external_id: id" in mapping and "text: Hours" in mapping and "invert: true" in mapping
    assert "S6 3BS" in page.text and "trimmed to 300" in page.text  # the first rows as stored
    assert "drop_in: False" in page.text and "phone: 0114 496 0000" in page.text and "cost_description: Free" in page.text

    count = "SELECT count(*) FROM asset"
    before = session.execute(text(count)).scalar_one()
    form = {"csrf_token": token, "name": "food.csv", "mapping": mapping}
    dry = client.post(f"/moderate/imports/{upload}", data=form | {"action": "dry_run"})
    assert dry.status_code == 200 and "Dry run: nothing was saved" in dry.text
    assert "4 created, 3 failed" in dry.text and "line 6" in dry.text and "no position" in dry.text
    assert session.execute(text(count)).scalar_one() == before

    done = imported(client, upload, form)
    assert done.status_code == 200 and "4 created, 3 failed" in done.text
    assert session.execute(text(count)).scalar_one() == before + 4
    assert not list(uploads.upload_dir().glob(f"{upload}*"))  # the file is deleted after the run
    again = client.post(f"/moderate/imports/{upload}", data=form | {"action": "import"})
    assert again.status_code == 404

    # Next month: the same file with the saved mapping changes nothing.
    assert '<option value="food">' in client.get("/moderate/imports").text
    edited = mapping.replace("categories: community-centres", "categories: cafes")
    session.execute(text("UPDATE import_mapping SET mapping = :m"), {"m": edited})
    session.commit()
    page = client.post(
        "/moderate/imports", data={"csrf_token": token, "saved": "food"}, files={"file": ("food.csv", data, "text/csv")}
    )
    assert _mapping(page.text) == edited
    upload = ID.search(page.text).group(1)
    history = session.execute(text("SELECT count(*) FROM asset_history")).scalar_one()
    done = imported(client, upload, form | {"mapping": edited})
    assert "4 updated, 3 failed" in done.text  # the category changed
    again = client.post("/moderate/imports", data={"csrf_token": token, "saved": "food"}, files={"file": ("food.csv", data, "text/csv")})
    upload = ID.search(again.text).group(1)
    done = imported(client, upload, form | {"mapping": edited})
    assert "4 unchanged, 3 failed" in done.text
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == history + 4


def test_bad_files_say_why_and_keep_nothing(app, session):
    make_user(session, Role.admin, "admin@council.example")
    client = browser(app)
    sign_in(client, "admin@council.example")
    token = page_token(client, "/moderate/imports")
    kept = set(uploads.upload_dir().iterdir())
    for name, data, message in [
        ("food.csv", "id,Name\nf1,Caf\xe9\n".encode("latin-1"), "is not UTF-8 text"),
        ("food.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "is not UTF-8 text"),
        ("food.csv", b"", "is empty"),
        ("food.xlsx", b"PK\x03\x04", "is not a .csv or .geojson file"),
    ]:
        page = client.post("/moderate/imports", data={"csrf_token": token}, files={"file": (name, data, "text/csv")})
        assert page.status_code == 422 and message in page.text, name
    assert set(uploads.upload_dir().iterdir()) == kept
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0


def test_the_page_wants_a_moderator_and_a_csrf_token(app, session):
    make_user(session, Role.link_worker, "worker@council.example")
    client = browser(app)
    assert client.get("/moderate/imports").status_code == 401
    sign_in(client, "worker@council.example")
    assert client.get("/moderate/imports").status_code == 403
    make_user(session, Role.admin, "admin@council.example")
    admin = browser(app)
    sign_in(admin, "admin@council.example")
    page = admin.post("/moderate/imports", data={"csrf_token": "wrong"}, files={"file": ("a.csv", b"id\n1\n", "text/csv")})
    assert page.status_code == 403


def test_an_area_moderator_imports_only_rows_inside_their_areas(app, session, councils):
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])  # Manchester
    client = browser(app)
    sign_in(client, "mcr@council.example")
    token = page_token(client, "/moderate/imports")
    manchester = "m1,Ancoats Pantry,1 Blossom St,M4 6AJ,53.4840,-2.2280,,,0.0,,,,\n"
    data = (HEADER + "".join(ROWS) + manchester).encode()
    page = client.post("/moderate/imports", data={"csrf_token": token}, files={"file": ("food.csv", data, "text/csv")})
    assert page.status_code == 200, page.text
    upload = ID.search(page.text).group(1)
    form = {"csrf_token": token, "name": "food.csv", "mapping": _mapping(page.text)}
    done = imported(client, upload, form)
    assert done.status_code == 200
    # Four Sheffield rows are outside; a row without a name, which would archive a place imported before, is left out.
    assert "1 created, 5 skipped, 2 failed" in done.text
    assert "outside the council areas you moderate (E08000003); not imported" in done.text
    assert "does not archive places by import" in done.text
    names = session.execute(text("SELECT name FROM asset")).scalars().all()
    assert names == ["Ancoats Pantry"]


def test_an_area_moderator_cannot_move_a_place_into_their_areas_by_import(app, session, councils):
    """A row for a place listed before, outside the moderator's areas, must not bring it inside by a new position."""
    make_user(session, Role.moderator, "mcr@council.example", areas=["E08000003"])  # Manchester
    client = browser(app)
    sign_in(client, "mcr@council.example")
    token = page_token(client, "/moderate/imports")
    moved = "m2,Sheffield Larder,1 Blossom St,M4 6AJ,53.4840,-2.2280,,,0.0,,,,\n"  # now placed in Manchester
    page = client.post("/moderate/imports", data={"csrf_token": token},
                       files={"file": ("food.csv", (HEADER + moved).encode(), "text/csv")})
    mapping = _mapping(page.text)
    source = re.search(r"^source: (\S+)$", mapping, re.M).group(1)
    sheffield = make_asset(session, name="Sheffield Larder", lat=53.3811, lon=-1.4701, source=source, external_id="m2")
    done = imported(client, ID.search(page.text).group(1), {"csrf_token": token, "name": "food.csv", "mapping": mapping})
    assert done.status_code == 200 and "1 skipped" in done.text
    assert "updates a place outside the council areas you moderate (E08000003); not imported" in done.text
    where = session.execute(text("SELECT ST_Y(exact_location::geometry) FROM asset WHERE id = :id"), {"id": sheffield.id})
    assert where.scalar_one() == 53.3811


def test_a_file_over_the_upload_limit_is_refused_with_a_message(session):
    from app.core.config import get_settings
    from app.main import create_app

    app = create_app(get_settings().model_copy(update={"import_upload_max_bytes": 2_000, "max_body_bytes": 1_000}))
    make_user(session, Role.admin, "admin@council.example")
    client = browser(app)
    sign_in(client, "admin@council.example")
    token = page_token(client, "/moderate/imports")
    kept = set(uploads.upload_dir().iterdir())
    big = (HEADER + "".join(ROWS)).encode()[:1_900] + b"\n" + b"x," * 1_000
    page = client.post("/moderate/imports", data={"csrf_token": token}, files={"file": ("food.csv", big, "text/csv")})
    assert page.status_code == 413 and "food.csv is larger than 0.002 MB, the most the import page takes" in page.text
    small = (HEADER + "".join(ROWS[1:]) * 4).encode()[:1_500]
    assert len(small) > 1_000  # over the limit of other requests, within the upload's
    page = client.post("/moderate/imports", data={"csrf_token": token}, files={"file": ("food.csv", small, "text/csv")})
    assert page.status_code == 200
    uploads.discard(uploads.find(ID.search(page.text).group(1), "food.csv"))
    assert set(uploads.upload_dir().iterdir()) == kept


def test_the_progress_page_reloads_itself_until_the_report(app, session):
    admin = make_user(session, Role.admin, "admin@council.example")
    client = browser(app)
    sign_in(client, "admin@council.example")
    upload = uploads.Upload("p" * 24, "big.csv", "csv")
    progress = uploads.Progress(f"user:{admin.id} (admin@council.example)", upload, done=3_000, total=9_000)
    uploads._STARTED[upload.token] = progress
    try:
        page = client.get(f"/moderate/imports/{upload.token}/progress")
        assert page.status_code == 200 and '<meta http-equiv="refresh" content="1">' in page.text
        assert '<progress max="9000" value="3000">' in page.text and "3,000 of 9,000 rows." in page.text
        progress.error, progress.finished = "big.csv has no column 'id', which the mapping uses.", True
        page = client.get(f"/moderate/imports/{upload.token}/progress")
        assert "refresh" not in page.text and "has no column &#39;id&#39;" in page.text
        other = browser(app)
        make_user(session, Role.admin, "other@council.example")
        sign_in(other, "other@council.example")
        assert other.get(f"/moderate/imports/{upload.token}/progress").status_code == 404  # only its own import
    finally:
        uploads._STARTED.pop(upload.token)


def test_an_upload_left_for_a_day_is_deleted_at_the_next_upload():
    old = uploads.Upload("o" * 24, "old.csv", "csv")
    old.path.write_text("id,Name\n1,Old\n", encoding="utf-8")
    day_ago = time.time() - uploads.FORGOTTEN_AFTER_S - 60
    os.utime(old.path, (day_ago, day_ago))
    fresh, _ = uploads.save("new.csv", b"id,Name\n1,New\n")
    try:
        assert not old.path.exists() and fresh.path.exists()
    finally:
        uploads.discard(fresh)
