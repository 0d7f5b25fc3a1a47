"""An admin imports a council's messy spreadsheet from the browser: upload, mapping, dry run, import (issue 18)."""

import csv
import io
import random
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_user

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
ADMIN = "data.officer@council.example"
HEADER = [
    "Org ID", "Organisation name", "Address 1", "Address 2", "Post code", "Latitude", "Longitude", "Telephone",
    "Web address", "Referral required", "opening_hours", "Opening times",
]
BROKEN = 3  # rows with no name, no position, or no id


def realistic_file(rows: int = 60) -> bytes:
    """A food-support list as councils export it: over-long texts, 1.0/0.0 yes/no, OSM and free-text hours,
    postcodes without spaces, messy phones and web addresses, and a few genuinely broken rows."""
    rnd = random.Random(18)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, rows + 1):
        long_street = "Unit 4, The Old Co-operative Buildings behind the market car park, " * (6 if n % 7 == 0 else 0)
        writer.writerow([
            f"fs{n}", f"Food Pantry {n}", f"{long_street}{n} High Street", "Sheffield", "S63BS" if n % 2 else "s1 2hh",
            f"{53.37 + rnd.random() / 50:.5f}", f"{-1.48 + rnd.random() / 50:.5f}",
            "Tel: 0114  496 0000" if n % 3 else "ask at reception", "www.pantry.example.org" if n % 4 else "",
            "1.0" if n % 2 else "0.0", "Mo-Fr 09:00-17:00; PH off" if n % 5 else "Tu 10:00-12:00",
            "Tuesday 11.00 – 13.00" if n % 2 else "Mon - 1PM - 5:30PM",
        ])
    writer.writerow(["fs-x1", "", "1 Nameless Rd", "Sheffield", "S63BS", "53.38", "-1.47", "", "", "0.0", "", ""])
    writer.writerow(["fs-x2", "Nowhere Pantry", "", "", "", "", "", "", "", "0.0", "", ""])
    writer.writerow(["", "No Id Pantry", "", "", "S63BS", "53.38", "-1.47", "", "", "0.0", "", ""])
    return out.getvalue().encode()


def test_upload_map_dry_run_and_import(page: Page, session: Session, tmp_path: Path) -> None:
    create_user(session, ADMIN, PASSWORD, Role.admin)
    path = tmp_path / "Food support May.csv"
    path.write_bytes(realistic_file())

    page.goto("/moderate/imports")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/moderate/imports")
    expect(page.get_by_role("heading", name="Import a file")).to_be_visible()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", name="Import Food support May.csv")).to_be_visible()
    mapping = page.get_by_label("Mapping of columns to fields")
    suggested = mapping.input_value()
    assert "external_id: Org ID" in suggested and "osm: opening_hours" in suggested and "invert: true" in suggested
    preview = page.locator("table.import-preview")
    expect(preview.locator("tbody tr")).to_have_count(20)
    expect(preview).to_contain_text("S6 3BS")
    expect(preview).to_contain_text("trimmed to 300 at a word boundary")

    # The data officer keeps the free-text hours as the opening-hours text, and chooses the category.
    edited = suggested.replace("categories: community-centres", "categories: cafes").replace(
        "  phone: Telephone\n", "  phone: Telephone\n  opening_hours_text: Opening times\n"
    )
    mapping.fill(edited)
    page.get_by_role("button", name="Dry run").click()
    report = page.locator("section.panel-done")
    expect(report.get_by_role("heading", name="Dry run: nothing was saved")).to_be_visible()
    expect(report.locator(".counts")).to_contain_text(f"60 created, {BROKEN} failed")
    expect(report).to_contain_text("line 62")
    expect(report).to_contain_text("no position")
    expect(report).to_contain_text("'ask at reception' is not a phone number; left out")
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 0

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator(".counts")).to_contain_text(f"60 created, {BROKEN} failed")
    assert session.execute(text("SELECT count(*) FROM asset WHERE source = 'food-support-may'")).scalar_one() == 60
    drop_in, hours = session.execute(
        text("SELECT drop_in, opening_hours_text FROM asset WHERE external_id = 'fs1'")
    ).one()
    assert drop_in is False and hours == "Tuesday 11.00 – 13.00"
    sessions = session.execute(
        text("SELECT count(*) FROM asset_session s JOIN asset a ON a.id = s.asset_id WHERE a.external_id = 'fs1'")
    ).scalar_one()
    assert sessions == 5  # Mo-Fr from the opening_hours column

    # Next month's file, the same: nothing changes.
    history = session.execute(text("SELECT count(*) FROM asset_history")).scalar_one()
    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_label("Mapping of columns to fields").fill(edited)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".counts")).to_contain_text(f"60 unchanged, {BROKEN} failed")
    assert session.execute(text("SELECT count(*) FROM asset_history")).scalar_one() == history
