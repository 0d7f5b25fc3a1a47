"""Settings are read when they are used, never when a module is imported: the serving app's own settings (SettingsDep)
in requests, and the process's (get_settings) in commands, so a test or a second app can bring its own."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.core.config import PROJECT_ROOT, Settings

_IMPORT_EVERY_MODULE = """
import importlib, pkgutil
import app, app.core.config as config

def refuse():
    raise SystemExit("settings read at import time")

config.get_settings = refuse
for module in pkgutil.walk_packages(app.__path__, "app."):
    if not module.name.endswith(".__main__"):  # that one runs the command line
        importlib.import_module(module.name)
print("imported")
"""


def test_no_module_reads_settings_when_imported():
    done = subprocess.run([sys.executable, "-c", _IMPORT_EVERY_MODULE], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "imported"


@pytest.mark.parametrize(
    "name, value",
    [
        ("DATABASE_READ_URLS", "postgresql+psycopg://reader:s3cret-pw@replica:notaport/assetmap"),
        ("DATABASE_READ_URLS", "s3cret-pw"),
        ("SMTP_PORT", "s3cret-pw"),
    ],
)
def test_a_refused_setting_is_named_but_its_value_is_not_repeated(monkeypatch, name: str, value: str):
    """Database URLs and the SMTP settings carry passwords, and a refused setting's error ends up in logs."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert name.lower() in str(refused.value)
    assert "s3cret-pw" not in str(refused.value)


@pytest.mark.parametrize("sizes", [{"db_pool_size": 0}, {"db_max_overflow": -1}])
def test_pool_sizes_are_ones_both_pools_can_keep(sizes: dict[str, int]) -> None:
    """SQLAlchemy reads a pool size of 0 or an overflow of -1 as "no limit"; the nearby search's pool
    (app/core/async_reads.py) keeps the same sizes and could not: such values are refused when read."""
    with pytest.raises(ValidationError):
        Settings(database_url="", **sizes)
