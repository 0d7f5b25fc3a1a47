"""Settings are read when they are used, never when a module is imported: the serving app's own settings (SettingsDep)
in requests, and the process's (get_settings) in commands, so a test or a second app can bring its own."""

import subprocess
import sys

from app.core.config import PROJECT_ROOT

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
