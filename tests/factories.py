"""Making assets for tests, through the same service the API uses."""

from typing import Any

from sqlmodel import Session

from app.assets.schemas import AssetCreate, AssetPublic
from app.assets.service import create_asset

_counter = 0


def make_asset(session: Session, **fields: Any) -> AssetPublic:
    global _counter
    _counter += 1
    data: dict[str, Any] = {
        "name": f"Test asset {_counter}",
        "categories": ["community-centres"],
        "lat": 53.4808,
        "lon": -2.2426,
        "status": "published",
    }
    data.update(fields)
    return create_asset(session, AssetCreate.model_validate(data), actor="tests")
