"""The README's settings table names every setting, with the default the code has."""

import re

from app.core.config import PROJECT_ROOT, Settings

# Named in the table, not read through Settings: it says where Settings are read from.
NOT_SETTINGS = {"ASSETMAP_ENV_FILE"}


def _table() -> list[tuple[list[str], str]]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    start = readme.index("| variable | default | what it is |")
    rows = readme[start:readme.index("\n\n", start)].splitlines()[2:]
    table = []
    for row in rows:
        names, default = row.split("|")[1:3]
        table.append((re.findall(r"`([A-Z][A-Z0-9_]+)`", names), default.strip()))
    return table


def test_every_setting_is_in_the_readme_and_nothing_else() -> None:
    named = {name for names, _ in _table() for name in names}
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - named == set(), "settings missing from the README's table"
    assert named - fields - NOT_SETTINGS == set(), "the README's table names settings that do not exist"


def test_the_readme_gives_the_defaults_the_code_has() -> None:
    checked = 0
    for names, cell in _table():
        defaults = re.findall(r"`([^`]*)`", cell)
        if len(defaults) != len(names):
            continue  # described in words (the tile server, the attribution): nothing to compare
        for name, written in zip(names, defaults, strict=True):
            value = Settings.model_fields[name.lower()].default if name not in NOT_SETTINGS else None
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, list):
                value = ",".join(value)
            if value is not None:
                assert written == str(value), f"{name}: the README says {written!r}, the code {value!r}"
                checked += 1
    assert checked >= 25
