"""Every interface text has a Welsh translation: what `make messages` extracts (babel.cfg) must be in the Welsh
catalogue, translated (every plural form), not awaiting review as fuzzy, and with the same placeholders."""

import io
import re
import tokenize

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.core.config import PROJECT_ROOT
from app.i18n.catalogue import po_path


def _extracted() -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _welsh():
    with po_path("cy").open("rb") as po:
        return read_po(po, locale="cy")


def test_every_interface_text_has_a_welsh_translation():
    catalog = _welsh()
    extracted = _extracted()
    assert len(extracted) > 5
    untranslated = []
    for message_id in sorted(extracted):
        message = catalog.get(message_id)
        strings = () if message is None else message.string if isinstance(message.string, tuple) else (message.string,)
        if message is None or not all(strings) or message.fuzzy:
            untranslated.append(message_id)
    assert not untranslated, f"{len(untranslated)} without a Welsh translation (run make messages, then translate):\n" + "\n".join(untranslated)


def test_welsh_translations_keep_their_placeholders():
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _welsh().check() if errors]
    assert not problems


def test_no_text_is_marked_inside_an_f_string():
    # Babel reads an f-string as one string, so a text marked inside one is never extracted, never translated, and
    # the test above cannot see it.
    marked = re.compile(r"\b(_|_l|N_|gettext|ngettext)\(")
    hidden = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            if token.type == tokenize.STRING and token.string[:2].lower() in ("f'", 'f"', "rf", "fr") and marked.search(token.string):
                hidden.append(f"{path.relative_to(PROJECT_ROOT)}:{token.start[0]}")
    assert not hidden, hidden
