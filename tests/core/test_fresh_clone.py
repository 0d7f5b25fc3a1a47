"""A fresh clone works on its own: its demo pack loads with no ../shared folder beside it, and finds places in Cardiff.

The committed HEAD is cloned into a temporary folder (so only committed files count: the pack must be committed),
and the clone's own code (cwd and PYTHONPATH are the clone, SHARED_DATA_DIR is the clone's ../shared/data, which does
not exist) migrates a throw-away database, runs `load-demo` and answers a nearby search. Loading the whole pack
(236k postcodes, all UK outlines, 3,750 libraries, 6,618 GP practices, ~660 OSM places) takes a few minutes.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

# A nearby search of Cardiff, and the README's own example search, by the clone's app.
NEARBY = """
import json, re
import app
from fastapi.testclient import TestClient
from app.main import create_app

example = re.search(r"curl 'http://127.0.0.1:8000(/api/v1/assets/nearby[^']*)'", open("README.md").read()).group(1)
with TestClient(create_app()) as client:
    response = client.get("/api/v1/assets/nearby", params={"postcode": "CF10 1EP", "radius_m": 1609, "limit": 50})
    readme = client.get(example)
print(json.dumps({"app": app.__file__, "status": response.status_code, "body": response.json(),
                  "readme": {"path": example, "status": readme.status_code, "body": readme.json()}}))
"""


def _run(args: list[str], clone: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_a_fresh_clone_loads_its_demo_pack_and_finds_places_in_cardiff(tmp_path: Path, scratch_database: str) -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git repository: nothing to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True, timeout=300)
    shared = clone.parent / "shared" / "data"
    assert not shared.exists() and (clone / "data" / "demo" / "README.md").is_file()

    env = {
        **os.environ,
        "PYTHONPATH": str(clone),
        "DATABASE_URL": scratch_database,
        "SHARED_DATA_DIR": str(shared),
        "ASSETMAP_ENV_FILE": str(clone / ".env"),  # the clone's own (absent), not this checkout's
        "COLUMNS": "200",
    }
    python = sys.executable  # this checkout's .venv: the clone brings code and data, not installed packages
    timings: dict[str, float] = {}

    started = time.perf_counter()
    _run([python, "-m", "app.cli", "migrate"], clone, env, timeout=300)
    timings["migrate"] = time.perf_counter() - started

    started = time.perf_counter()
    result = _run([python, "-m", "app.cli", "load-demo"], clone, env, timeout=1800)
    loaded = result.stdout + result.stderr  # the progress bars and their summaries may go to either
    timings["load-demo"] = time.perf_counter() - started
    assert f"Loading demo data from the demo pack in {clone / 'data' / 'demo'}" in " ".join(loaded.split())
    assert re.search(r"Postcodes: Loaded 23\d,\d{3} postcodes and 2,9\d\d outcodes", loaded), loaded
    assert "UK public libraries: 3,7" in loaded and "Demo data loaded." in loaded

    started = time.perf_counter()
    found = json.loads(_run([python, "-c", NEARBY], clone, env, timeout=300).stdout.strip().splitlines()[-1])
    timings["nearby"] = time.perf_counter() - started
    print(f"\nfresh clone: {', '.join(f'{k} {v:.0f} s' for k, v in timings.items())}\n{loaded}")

    assert Path(found["app"]).resolve().is_relative_to(clone.resolve())  # the clone's code, not this checkout's
    assert found["status"] == 200, found
    body = found["body"]
    assert body["total"] >= 5, body
    names = {item["name"] for item in body["items"]}
    assert any("Library" in name for name in names), names  # Cardiff Central Library is a few hundred metres away
    readme = found["readme"]
    assert readme["status"] == 200 and readme["body"]["total"] >= 1, readme  # the README's example finds places
