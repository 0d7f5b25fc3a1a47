"""The stories API's shapes: what a resident sends, what the public sees, and the moderators' view."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from app.core.text import plain_text
from app.i18n import gettext as _
from app.i18n import ngettext
from app.stories.models import MAX_CHARS, MAX_SIGNATURE, MAX_WORDS, ReportReason, StoryAction, StoryStatus

# A first name: letters, with single spaces, hyphens or apostrophes between them ("Siân", "Mary-Jane", "O'Neill").
# Digits, "@", "." and "/" are not letters, so a phone number, an e-mail or a web address never passes.
_FIRST_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+){0,2}$")
Language = Literal["en", "cy"]


def _story_text(value: str) -> str:
    text = plain_text(value) or ""
    if not text:
        raise ValueError(_("is empty: write your story"))
    words = len(text.split())
    if words > MAX_WORDS:
        raise ValueError(
            ngettext("has %(num)s word: the limit is %(max)s", "has %(num)s words: the limit is %(max)s", words)
            % {"num": words, "max": MAX_WORDS}
        )
    return text


def _signature(value: str | None) -> str | None:
    text = plain_text(value)
    if not text:
        return None  # anonymous
    if not _FIRST_NAME.match(text):
        raise ValueError(
            _("should be a first name only (letters, spaces, hyphens and apostrophes), or left empty to stay anonymous")
        )
    return text


StoryText = Annotated[
    str,
    Field(max_length=MAX_CHARS, description=f"The story, plain text: at most {MAX_WORDS} words and {MAX_CHARS} characters"),
    AfterValidator(_story_text),
]
Signature = Annotated[
    str | None,
    Field(max_length=MAX_SIGNATURE, description="A first name to sign it with; empty or absent: anonymous"),
    AfterValidator(_signature),
]


class StoryIn(BaseModel):
    text: StoryText
    signature: Signature = None
    language: Language | None = Field(
        None, description="The language it is written in: `en` or `cy` (by default the request's language)"
    )
    consent: bool = Field(description="The author agrees that it may be published: must be true")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"text": "I came here after my husband died. The Tuesday group got me out of the house.",
                          "signature": "Jean", "language": "en", "consent": True}]
        },
    }

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError(_("must be true: a story is only published with its author's agreement"))
        return value


class StoryReceived(BaseModel):
    id: uuid.UUID
    reference: str = Field(description="Shown once, never stored: the author removes the story with it")
    status: StoryStatus
    message: str


class StoryPublic(BaseModel):
    id: uuid.UUID
    text: str
    signature: str | None = Field(description="A first name, or null: anonymous")
    language: Language
    published_at: datetime


class StoryPage(BaseModel):
    total: int
    items: list[StoryPublic]
    next: str | None = Field(description="The next page, if there is one")


class ReportIn(BaseModel):
    reason: ReportReason = Field(description="What is wrong with it (a choice, so that a report holds no free text)")
    model_config = {"extra": "forbid"}


class RemovalIn(BaseModel):
    reference: str = Field(max_length=40, description="The reference the author was given, such as ST-7K3F-9Q2X-M4PB")
    model_config = {"extra": "forbid"}


class Done(BaseModel):
    id: uuid.UUID
    status: StoryStatus
    message: str


# The moderators' side


class HistoryEntry(BaseModel):
    changed_at: datetime
    actor: str
    action: StoryAction
    changes: dict[str, Any]


class StoryItem(BaseModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    place_name: str
    text: str
    signature: str | None
    language: Language
    status: StoryStatus
    reports: int
    reported_at: datetime | None
    created_at: datetime
    published_at: datetime | None


class StoryDetail(StoryItem):
    history: list[HistoryEntry]


class StoryQueuePage(BaseModel):
    total: int
    items: list[StoryItem]
    next: str | None


class StoryEdit(BaseModel):
    """A moderator's edit, usually taking out the name of someone else; `note` says why, in the history."""

    text: StoryText | None = None
    signature: Signature = None
    note: Annotated[
        str,
        Field(min_length=1, max_length=200, description="Why, for the history: such as 'edited to remove a name'"),
        AfterValidator(plain_text),
    ]
    model_config = {"extra": "forbid"}


class StoryDecision(BaseModel):
    note: Annotated[
        str | None, Field(max_length=200, description="For the history (moderators only)"), AfterValidator(plain_text)
    ] = None
    model_config = {"extra": "forbid"}
