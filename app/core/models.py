"""Imports every table model, so Alembic's metadata and the app see the whole schema."""

from app.accounts.models import ApiKey
from app.areas.models import Area
from app.assets.models import Asset, AssetCategory, AssetHistory, AssetSession, Organisation
from app.categories.models import Category
from app.geo.models import Outcode, Postcode
from app.imports.models import ImportRun

__all__ = [
    "ApiKey", "Area", "Asset", "AssetCategory", "AssetHistory", "AssetSession", "Category",
    "ImportRun", "Organisation", "Outcode", "Postcode",
]
