"""The page scripts' text in the request's language.

Scripts in app/static/js mark their text `_("…")` (window.AssetMapDom.t). A page in another language than English
carries the translations of those messages as JSON in `<body data-messages>` (base.html, `script_messages()`), so a
script needs no catalogue of its own and no request.
"""

from functools import cache

from babel.messages.extract import extract

from app.core.config import PROJECT_ROOT
from app.i18n.catalogue import gettext
from app.i18n.locales import DEFAULT, current_locale

SCRIPTS_DIR = PROJECT_ROOT / "app" / "static" / "js"


@cache
def script_message_ids() -> tuple[str, ...]:
    """The text every site script marks, read from the scripts themselves (as `make messages` extracts it)."""
    found: set[str] = set()
    for script in sorted(SCRIPTS_DIR.glob("*.js")):
        with script.open("rb") as source:
            for _line, message, _comments, _context in extract("javascript", source, keywords={"_": None}):
                found.add(message if isinstance(message, str) else message[0])
    return tuple(sorted(found))


def script_messages() -> dict[str, str]:
    """{English text: its translation} for the scripts; empty in English, where a script shows its own text."""
    if current_locale() == DEFAULT:
        return {}
    return {message: gettext(message) for message in script_message_ids()}
