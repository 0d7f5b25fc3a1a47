"""Route guards: `Depends(require_role(Role.admin))` answers 401 without a valid key, 403 with the wrong role."""

from collections.abc import Callable

from fastapi import Header, HTTPException

from app.accounts.models import Role
from app.accounts.service import Actor, authenticate_key
from app.core.deps import SessionDep


def require_role(*roles: Role) -> Callable[..., Actor]:
    def guard(session: SessionDep, x_api_key: str | None = Header(default=None, description="An API key")) -> Actor:
        if not x_api_key:
            raise HTTPException(401, "This needs an API key in the X-API-Key header.", headers={"WWW-Authenticate": "API-Key"})
        actor = authenticate_key(session, x_api_key)
        if actor is None:
            raise HTTPException(401, "That API key is not valid or has been revoked.", headers={"WWW-Authenticate": "API-Key"})
        if actor.role not in roles:
            raise HTTPException(403, f"This needs a {' or '.join(r.value for r in roles)} key; yours is {actor.role.value}.")
        return actor

    return guard
