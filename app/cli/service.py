"""Commands that run the service: make the database ready, migrate it, serve."""

from typing import Annotated

import typer

from app.cli.output import console
from app.core.config import get_settings


def init_db() -> None:
    """Make the database ready: DATABASE_URL's database and extensions, or, when it is not set, a local role and
    database made through the `postgres` account, with DATABASE_URL written to .env (README: "Run it")."""
    from sqlalchemy.engine import make_url

    from app.core.local_postgres import LocalServerError
    from app.core.provision import ProvisionError, ensure_database

    try:
        url = ensure_database()
    except (ProvisionError, LocalServerError) as exc:
        console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    target = make_url(url)
    console.print(f"Database {target.database!r} on {target.host}:{target.port} is ready, for the role {target.username!r}.",
                  markup=False, soft_wrap=True)


def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from app.core.db import database_url
    from app.core.provision import migrate as run_migrations

    run_migrations(database_url())
    console.print("Schema is up to date.")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes")] = None,
) -> None:
    """Serve the map and API (uvicorn)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,  # each worker makes its app, reading the settings then (none are read at import)
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        # X-Forwarded-For/-Proto only from the proxies named in TRUSTED_PROXIES (uvicorn would trust 127.0.0.1 by
        # default, letting any local caller choose the address every rate limit counts).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )


