"""Dependencies shared by every domain's routes."""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import get_session

SessionDep = Annotated[Session, Depends(get_session)]


def app_settings(request: Request) -> Settings:
    """The settings this app was created with (tests create apps with their own, such as a local tile URL)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
