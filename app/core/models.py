"""Imports every table model, so Alembic's metadata and the app see the whole schema."""

from app.accounts.models import ApiKey, LoginThrottle, UserAccount, WebSession
from app.areas.models import Area
from app.assets.models import Asset, AssetCategory, AssetHistory, AssetSession, Organisation
from app.categories.models import Category
from app.geo.models import Outcode, Postcode
from app.imports.models import ImportRun
from app.shortlists.models import Shortlist, ShortlistItem
from app.submissions.models import RateLimitWindow, Submission

__all__ = [
    "ApiKey", "Area", "Asset", "AssetCategory", "AssetHistory", "AssetSession", "Category", "ImportRun", "LoginThrottle",
    "Organisation", "Outcode", "Postcode", "RateLimitWindow", "Shortlist", "ShortlistItem", "Submission", "UserAccount",
    "WebSession",
]
