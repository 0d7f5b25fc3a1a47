"""`assetmap import postcodes` and `import boundaries`: recorded runs, --dry-run, and broken files changing nothing."""

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.db import get_engine
from app.imports.postcodes import load_postcodes
from tests.conftest import POSTCODES_FILE
from tests.processes import ASSETMAP

HEADER = "postcode,lat,long\n"
ROWS = "M1 1AE,53.4808,-2.2374\nm11ad,53.48,-2.24\nZZ9 9ZZ,,\n"


def _import(*args: str):
    return CliRunner().invoke(cli, ["import", *args])


def _postcodes() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT count(*) FROM postcode")).scalar_one()


def _runs() -> list[tuple]:
    with get_engine().connect() as conn:
        return list(conn.execute(text("SELECT kind, status, dry_run, counts, message FROM import_run ORDER BY id")))


@pytest.fixture
def restore_postcodes():
    yield
    with get_engine().begin() as conn:
        load_postcodes(conn, POSTCODES_FILE)


def test_a_postcode_file_replaces_the_table_and_is_recorded(tmp_path: Path, restore_postcodes) -> None:
    path = tmp_path / "few.csv.gz"
    path.write_bytes(gzip.compress((HEADER + ROWS).encode()))
    result = _import("postcodes", str(path))
    assert result.exit_code == 0, result.output
    assert "Loaded 2 postcodes." in result.output  # the row without coordinates is left out
    assert _postcodes() == 2
    [(kind, status, dry_run, counts, message)] = _runs()
    assert (kind, status, dry_run, counts["postcodes"]) == ("postcodes", "succeeded", False, 2)


def test_progress_in_a_pipe_is_plain_lines(tmp_path: Path) -> None:
    """Written to a file or pipe (a log, CI), progress is whole lines, not a redrawn bar's fragments."""
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "".join(f"M1 {n % 10}AA,53.48,-2.24\n" for n in range(120_000)))
    done = subprocess.run([str(ASSETMAP), "import", "postcodes", str(path), "--dry-run"], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120, check=True)
    lines = done.stderr.splitlines()
    assert "\r" not in done.stderr and "\x1b" not in done.stderr and "━" not in done.stderr
    assert "Postcodes from many.csv: 50,000" in lines and "Postcodes from many.csv: 100,000" in lines
    assert "Postcodes from many.csv: done, 120,000." in lines


def test_dry_run_reads_the_file_and_changes_nothing(tmp_path: Path) -> None:
    before = _postcodes()
    path = tmp_path / "few.csv"
    path.write_text(HEADER + ROWS)
    result = _import("postcodes", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run (nothing saved): read 2 postcodes." in result.output  # as a load counts: with coordinates
    assert _postcodes() == before
    assert _runs()[0][:3] == ("postcodes", "succeeded", True)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.csv", (HEADER + ROWS + "M1 1AF,53.4,-2.2,Caf\xe9\n").encode("latin-1"), "is not UTF-8 text"),
        ("cut.csv.gz", gzip.compress((HEADER + ROWS * 2000).encode())[:-40], "is not a complete gzip file"),
        ("columns.csv", b"pcd,latitude,longitude\nM1 1AE,53.4,-2.2\n", "is missing the column(s) lat, long, postcode"),
        ("na.csv", (HEADER + ROWS + "M1 1AF,N/A,-2.2\n").encode(), "M1 1AF has a lat / long that is not a number ('N/A', '-2.2')"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_broken_postcode_file_fails_clearly_and_changes_nothing(
    tmp_path: Path, name: str, content: bytes, message: str, dry_run: bool
) -> None:
    before = _postcodes()
    path = tmp_path / name
    path.write_bytes(content)
    result = _import("postcodes", str(path), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert _postcodes() == before
    [(kind, status, _, _, recorded)] = _runs()
    assert (kind, status) == ("postcodes", "failed") and message in recorded


def test_boundary_imports_are_recorded_and_can_be_dry_runs(tmp_path: Path, session) -> None:
    path = tmp_path / "one.geojson"
    square = {"type": "Polygon", "coordinates": [[[-2.3, 53.4], [-2.2, 53.4], [-2.2, 53.5], [-2.3, 53.5], [-2.3, 53.4]]]}
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E99999990","areanm":"Test"},'
        f'"geometry":{json.dumps(square)}}}]}}'
    )
    try:
        dry = _import("boundaries", str(path), "--level", "ltla", "--dry-run")
        assert dry.exit_code == 0 and "1 ltla outlines read and checked" in dry.output
        assert session.execute(text("SELECT count(*) FROM area WHERE code = 'E99999990'")).scalar_one() == 0
        assert _import("boundaries", str(path), "--level", "ltla").exit_code == 0
        assert [(r[0], r[1], r[2]) for r in _runs()] == [("boundaries:ltla", "succeeded", True), ("boundaries:ltla", "succeeded", False)]
        assert _runs()[1][3] == {"created": 1, "updated": 0, "unchanged": 0}
        path.write_text("{not json")
        broken = _import("boundaries", str(path), "--level", "ltla")
        assert broken.exit_code == 1 and "is not valid JSON" in broken.output
        assert _runs()[2][1] == "failed"
    finally:
        session.execute(text("DELETE FROM area WHERE code = 'E99999990'"))
        session.commit()
