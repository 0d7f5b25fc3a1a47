"""Imports every table model, so Alembic's metadata and the app see the whole schema."""

from app.accounts.models import ApiKey, LoginThrottle, UserAccount, WebSession
from app.areas.models import Area
from app.assets.models import Asset, AssetCategory, AssetHistory, AssetSession, Organisation
from app.categories.models import Category
from app.claims.models import Claim, EmailToken
from app.geo.models import Outcode, Postcode
from app.imports.models import ImportRun
from app.insights.models import InsightsRefresh, Lsoa, LsoaAccess, LsoaDemand, SearchDemand
from app.shortlists.models import Shortlist, ShortlistItem
from app.stories.models import Story, StoryHistory
from app.submissions.models import RateLimitWindow, Submission

__all__ = [
    "ApiKey", "Area", "Asset", "AssetCategory", "AssetHistory", "AssetSession", "Category", "Claim", "EmailToken", "ImportRun", "InsightsRefresh",
    "LoginThrottle", "Lsoa", "LsoaAccess", "LsoaDemand", "Organisation", "Outcode", "Postcode", "RateLimitWindow",
    "SearchDemand", "Shortlist", "ShortlistItem", "Story", "StoryHistory", "Submission", "UserAccount", "WebSession",
]
