"""Dependencies shared by every domain's routes."""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import get_read_session, get_session
from app.core.replicas import ReadSession

SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[ReadSession, Depends(get_read_session)]  # for routes that never write


def app_settings(request: Request) -> Settings:
    """The settings this app was created with (tests create apps with their own, such as a local tile URL)."""
    return request.app.state.settings


async def _app_settings(request: Request) -> Settings:
    # async: FastAPI runs a plain function dependency in a worker thread, a hop too many for reading an attribute
    return app_settings(request)


SettingsDep = Annotated[Settings, Depends(_app_settings)]
