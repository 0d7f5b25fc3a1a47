"""What the stories tests share: a story sent through the API, and its id and reference."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key

STORY = "The Tuesday group got me out of the house after my husband died. Now I make the tea."


def send(client: TestClient, asset_id: Any, **fields: Any) -> dict[str, Any]:
    """A story sent through the API; its answer (id, reference)."""
    body = {"text": STORY, "signature": "Jean", "language": "en", "consent": True, **fields}
    response = client.post(f"/api/v1/assets/{asset_id}/stories", json=body)
    assert response.status_code == 202, response.text
    return response.json()


@pytest.fixture
def moderator_headers(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "stories", Role.moderator)[1]}
