"""The refresh that runs by itself while the app serves: every worker starts this loop in the app's lifespan when
INSIGHTS_REFRESH_MINUTES is above 0. Once a minute each worker checks whether the last refresh is older than the
interval; the refresh's advisory lock (taken without waiting) lets only one of them run it, and that one checks the
age again under the lock, so the figures are refreshed once per interval whatever the number of workers."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.config import Settings
from app.insights import service

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0


async def refresh_forever(settings: Settings, check_every_s: float = CHECK_EVERY_S) -> None:
    while True:
        try:
            done = await asyncio.to_thread(service.refresh, settings, False, settings.insights_refresh_minutes)
            if done:
                log.info("insights: %s", done["message"])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("insights: refresh failed (%s: %s); will try again", type(exc).__name__, str(exc).splitlines()[0][:200])
        await asyncio.sleep(min(check_every_s, settings.insights_refresh_minutes * 60))


@asynccontextmanager
async def refreshing(settings: Settings) -> AsyncIterator[None]:
    """The refresh loop while the app serves (its lifespan, app/main.py)."""
    task = asyncio.create_task(refresh_forever(settings)) if settings.insights_refresh_minutes > 0 else None
    try:
        yield
    finally:
        if task:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
