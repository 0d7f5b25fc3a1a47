"""How moderators read fields: their labels, their order in a comparison, and their values as text; and what a history
entry did."""

from collections.abc import Callable
from functools import partial

from sqlmodel import Session

from app.assets.display import show
from app.assets.fields import FORM_ORDER, WELSH, WRITABLE
from app.categories.service import get_taxonomy
from app.i18n import Text
from app.i18n import lazy_gettext as _l
from app.submissions.forms import LABELS as FORM_LABELS

LABELS = FORM_LABELS  # every field's name as moderators read it

# What a history entry did (asset_history.action), as its heading says it.
ACTION_NAMES: dict[str, Text] = {
    "create": _l("Create"),
    "update": _l("Update"),
    "archive": _l("Archive"),
    "restore": _l("Restore"),
    "verify": _l("Verify"),
    "merge": _l("Merge"),
}

# The order fields are listed in when proposals, assets and history entries are compared: the form's, then the
# fields no form asks for.
FIELD_ORDER = (*FORM_ORDER, *(f.name for f in WRITABLE if f.name not in FORM_ORDER))
# A text and its version in the other language (name and name_cy …), either way round.
_OTHER_LANGUAGE = WELSH | {welsh: english for english, welsh in WELSH.items()}


def compared(proposed: dict) -> list[str]:
    """The fields a comparison of a change lists, in order: those proposed, and the other language's version of a text
    proposed, so that a moderator sees both and can amend the one the change left behind."""
    wanted = set(proposed) | {_OTHER_LANGUAGE[name] for name in proposed if name in _OTHER_LANGUAGE}
    return [name for name in FIELD_ORDER if name in wanted]


def label(field: str) -> Text:
    """A field's name as words ("Last checked", not last_verified_at), even for a field added later."""
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def action_name(action: str) -> Text:
    return ACTION_NAMES.get(action) or action.capitalize()


def shower(session: Session) -> Callable[..., str]:
    """`show`, naming categories as the taxonomy does."""
    names = {slug: node.name for slug, node in get_taxonomy(session).by_slug.items()}
    return partial(show, category_names=names)
