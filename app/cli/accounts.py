"""Commands for API keys and moderators' accounts."""

from typing import Annotated

import typer

from app.accounts.models import Role
from app.cli.output import console


def create_api_key(
    role: Annotated[Role, typer.Option(help="What the key may do")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")],
) -> None:
    """Create an API key. The key is printed once, as the last line; only its hash is stored."""
    from sqlmodel import Session

    from app.accounts.service import create_api_key as create
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        key, plain = create(session, name, role)
    console.print(f"Created {role.value} key {key.id} ({name}). Keep it safe: it cannot be shown again.")
    typer.echo(plain)


def revoke_api_key(key_id: Annotated[int, typer.Argument(help="The key's id, as printed when it was created")]) -> None:
    """Revoke an API key: it stops working at once. Its record stays, for the history."""
    from sqlmodel import Session

    from app.accounts.service import revoke_api_key as revoke
    from app.core.db import get_engine
    from app.core.errors import NotFound

    with Session(get_engine()) as session:
        try:
            key = revoke(session, key_id)
        except NotFound as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    console.print(f"Revoked {key.role} key {key.id} ({key.name}).")


def list_api_keys() -> None:
    """List API keys: id, role, name, first characters, when last used, and whether revoked."""
    from sqlmodel import Session

    from app.accounts.repository import list_keys
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        for key in list_keys(session):
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.role}\t{key.name}\t{key.prefix}…\t{used}\t{state}")


def create_user(
    role: Annotated[Role, typer.Option(help="What the person may do")],
    email: Annotated[str, typer.Option(help="Their email address, used to sign in")],
    area: Annotated[list[str] | None, typer.Option(help="A council area code a moderator is limited to (repeatable)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input")] = False,
) -> None:
    """Create a sign-in account. The password is asked for, or read from ASSETMAP_PASSWORD or standard input."""
    import os
    import sys

    from sqlmodel import Session

    from app.accounts.service import create_user as create
    from app.core.db import get_engine
    from app.core.errors import AppError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("ASSETMAP_PASSWORD") or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Session(get_engine()) as session:
        try:
            user = create(session, email, password, role, area or [])
        except AppError as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    limits = f", limited to {', '.join(user.areas)}" if user.areas else ""
    console.print(f"Created {user.role} account {user.id} for {user.email}{limits}.")


def disable_user(
    email: Annotated[str, typer.Option(help="The account's email address")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again (and clear any lock-out) instead")] = False,
) -> None:
    """Disable a sign-in account, ending its sessions at once; or, with --enable, enable and unlock it."""
    from sqlmodel import Session

    from app.accounts.service import set_user_disabled
    from app.core.db import get_engine
    from app.core.errors import AppError

    with Session(get_engine()) as session:
        try:
            user = set_user_disabled(session, email, not enable)
        except AppError as exc:
            console.print(exc.message)
            raise typer.Exit(1) from None
    console.print(f"{'Enabled' if enable else 'Disabled'} the account for {user.email}.")


