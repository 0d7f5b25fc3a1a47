"""Settings, read from the environment (and an optional `.env` file) by pydantic-settings."""

import os
import re
import tempfile
from functools import lru_cache
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.i18n.catalogue import gettext_noop as N_

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"

# Both defaults are translated where they are shown, and an operator's own text is shown as written.
ATTRIBUTION = N_(
    "Contains OS data © Crown copyright and database right; "
    "Contains National Statistics data © Crown copyright and database right; "
    "© OpenStreetMap contributors (ODbL)"
)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_TILE_ATTRIBUTION = N_('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^\*$")


def env_file() -> Path:
    """The `.env` file settings are read from: the project's own (where `make run` writes the database it provisions),
    or the file named by ASSETMAP_ENV_FILE. The environment itself wins over the file."""
    return Path(os.environ.get("ASSETMAP_ENV_FILE") or PROJECT_ROOT / ".env")


class Settings(BaseSettings):
    # Errors never repeat a setting's value: database URLs and the SMTP password carry secrets.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    # Empty means not set: `assetmap init-db` (run by `make run`) then provisions the local server and writes .env.
    database_url: str = ""
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    db_statement_timeout_ms: int = 5000
    # psycopg prepares a statement run 5 times on a connection. PgBouncer in transaction pooling mode (Debian 12's
    # 1.18) hands each transaction any server connection, where that statement is unknown: set it false behind one.
    db_prepared_statements: bool = True
    # Streaming replicas for the read-only traffic (docs/scaling.md), comma-separated URLs in the environment. A
    # replica that is down or more than `read_replica_max_lag_s` behind is skipped; each worker checks them every
    # `read_replica_check_s`. For `read_your_writes_s` after a write (and while signed in, or with an API key) a
    # client reads from the primary.
    database_read_urls: Annotated[list[str], NoDecode] = []
    read_replica_max_lag_s: int = Field(10, ge=0)
    read_replica_check_s: int = Field(5, ge=1)
    read_your_writes_s: int = Field(30, ge=0)

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    max_body_bytes: int = 1_000_000
    # A file uploaded on the import page (/moderate/imports, docs/imports.md); that one path takes bodies this large.
    import_upload_max_bytes: int = Field(20_000_000, ge=1)
    # Reverse proxies whose X-Forwarded-For/-Proto `assetmap serve` believes: addresses or networks (CIDR),
    # comma-separated in the environment (TRUSTED_PROXIES=10.0.0.5,172.16.0.0/12). None by default: then the client's
    # own address is the one counted by every rate limit, whatever headers it sends. FORWARDED_ALLOW_IPS, uvicorn's
    # name, is read too.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[], validation_alias=AliasChoices("trusted_proxies", "forwarded_allow_ips")
    )
    shared_data_dir: Path = SHARED_DATA
    attribution: str = ATTRIBUTION
    # The licence of the open-data exports (/api/v1/export.*). ODbL by default: imported OpenStreetMap places
    # oblige it (share-alike), and data under the Open Government Licence may be included in an ODbL database.
    data_publisher: str = "Community Asset Map"
    data_licence: str = "Open Database License (ODbL) v1.0"
    data_licence_url: str = "https://opendatacommons.org/licenses/odbl/1-0/"
    log_level: str = "info"

    # Accounts and web sessions
    session_cookie_secure: bool = True  # set SESSION_COOKIE_SECURE=false only for local http
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_rate_limit: int = 30  # sign-in attempts per client address per window, whatever the account
    login_rate_window_s: int = 900

    # Residents' submissions
    submission_rate_limit: int = 10  # submissions per client per window (all workers, counted in PostgreSQL)
    submission_rate_window_s: int = 3600
    submission_retention_days: int = 90  # private details of decided submissions are deleted after this
    duplicate_radius_m: int = 150
    stale_after_days: int = 365  # a listing not verified for longer is flagged as possibly out of date
    duplicate_min_similarity: float = 0.3  # pg_trgm similarity of names
    # A resident's pin further than this from the centre of the postcode they give must be confirmed (the form's
    # "Yes, the place is really here", the API's position_confirmed); moderators see a warning.
    pin_max_distance_m: int = 2000

    # Link workers' shortlists (/finder, /s/{code}). A shortlist is deleted `shortlist_days` after it is made
    # (by `assetmap purge-shortlists`). `public_base_url` (e.g. https://map.example.org) makes the shared link and
    # its QR code; empty means the address the request came in on.
    shortlist_days: int = 90
    shortlist_rate_limit: int = 30  # shortlists per client per window
    shortlist_rate_window_s: int = 3600
    public_base_url: str = ""

    # The map pages. The basemap tiles come from `tile_url` (a Leaflet URL template; a path such as
    # /static/blank-tile.png serves them from the app itself); `tile_attribution` is HTML shown on the map.
    tile_url: str = OSM_TILES
    tile_attribution: str = OSM_TILE_ATTRIBUTION
    tile_max_zoom: int = 19
    map_lat: float = 53.4808
    map_lon: float = -2.2426
    map_zoom: int = 13
    # Sites that may show /embed in an iframe. The embed is read-only, so "*" (any site) is the default. A list of
    # origins ("https://www.council.gov.uk"), comma-separated in the environment
    # (EMBED_ALLOWED_ORIGINS=https://a.gov.uk,https://b.nhs.uk), allows only those and the app itself; an empty value
    # allows only the app itself. Every other page refuses to be framed, whatever this says.
    embed_allowed_origins: Annotated[list[str], NoDecode] = ["*"]

    # Map layers. Browsers and proxies may reuse a tile or GeoJSON answer for this long; after that they revalidate
    # with the ETag, so a changed asset shows within this time.
    tile_max_age_seconds: int = 300
    tile_max_features: int = 5000  # per tile; beyond it a tile holds an arbitrary subset (zoom in for the rest)
    geojson_max_age_seconds: int = 60
    geojson_default_limit: int = 1000
    geojson_max_limit: int = 5000

    # Insights (docs/insights.md, docs/privacy.md). Access and published demand are recomputed every
    # `insights_refresh_minutes` while the app serves (0: only by `assetmap insights refresh`). Each nearby search is
    # recorded anonymously unless `record_searches` is false; raw rows are kept `search_retention_months`. A published
    # count below `demand_threshold` searches is withheld and the rest rounded to `demand_rounding`; a search that found
    # fewer than `unmet_below` places within its radius is unmet.
    insights_refresh_minutes: int = Field(60, ge=0)
    record_searches: bool = True
    search_retention_months: int = Field(13, ge=1)
    demand_threshold: int = Field(10, ge=1)
    demand_rounding: int = Field(5, ge=1)
    unmet_below: int = Field(3, ge=1)

    # E-mail (app/mail, docs/deployment.md): "file" (the default, for development) writes each message as an .eml
    # file in `mail_file_dir`; "smtp" sends it through `smtp_host`:`smtp_port`, in the clear ("none"), upgraded with
    # STARTTLS ("starttls") or over TLS from the start ("tls"), signing in when `smtp_username` is set.
    mail_backend: Literal["file", "smtp"] = "file"
    mail_from: str = "Community Asset Map <noreply@localhost>"
    mail_file_dir: Path = PROJECT_ROOT / "var" / "mail"
    # Files uploaded on the import page wait here for their import (app/imports/uploads.py, docs/privacy.md): a folder
    # every worker of the app can read, and no one else.
    upload_dir: Path = Path(tempfile.gettempdir()) / "assetmap-uploads"
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(15, gt=0)
    mail_rate_limit: int = 10  # messages a client may have sent per window (claims, sign-in links)
    mail_rate_window_s: int = 3600

    # Claims (docs/claims.md): a claim's confirmation link lasts `claim_confirm_hours`, a claimant's sign-in link
    # `sign_in_link_minutes`; each works once. A claimed place not checked for `claim_reminder_months` gets its
    # claimant a reminder, again every `claim_reminder_every_days` until it is checked. Claims that were never
    # confirmed, rejected or withdrawn are deleted (with their e-mail address) after `claim_retention_days`.
    claim_confirm_hours: int = Field(24, ge=1)
    sign_in_link_minutes: int = Field(30, ge=1)
    claim_reminder_months: int = Field(11, ge=1)
    claim_reminder_every_days: int = Field(30, ge=1)
    claim_retention_days: int = Field(90, ge=1)

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s?#]*)?$", value):
            raise ValueError(f"not a site address such as https://map.example.org (got {value!r})")
        return value.rstrip("/")

    @field_validator("trusted_proxies", "embed_allowed_origins", "database_read_urls", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """A list given in the environment: comma- or space-separated."""
        if isinstance(value, str):
            value = [part for part in re.split(r"[,\s]+", value) if part]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_only(cls, value: list[str]) -> list[str]:
        """IP addresses or networks, or "*" (any: only when nothing but the proxy can reach the app)."""
        checked = []
        for entry in value:
            try:
                if entry != "*":
                    entry = str(ip_network(entry, strict=False) if "/" in entry else ip_address(entry))
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES takes IP addresses or networks such as 10.0.0.5 or 172.16.0.0/12, not {entry!r}"
                ) from None
            checked.append(entry)
        return checked

    @field_validator("database_read_urls")
    @classmethod
    def _database_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            try:
                make_url(url)
            except (ArgumentError, ValueError):  # ValueError: a port that is not a number
                raise ValueError(
                    "DATABASE_READ_URLS takes database URLs such as postgresql+psycopg://user:password@host:5432/assetmap, "
                    "comma-separated"
                ) from None
        return value

    @field_validator("embed_allowed_origins")
    @classmethod
    def _origins_only(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _ORIGIN.match(v)]
        if bad:
            raise ValueError(f"not an origin such as https://www.example.gov.uk (no path, no trailing slash): {bad}")
        return [v.lower() for v in value]


@lru_cache
def get_settings() -> Settings:
    return Settings(_env_file=env_file())


@lru_cache(maxsize=32)
def libpq_url(url: str | URL) -> str:
    """A database URL in the app's SQLAlchemy form (`postgresql+psycopg://…`) as libpq and psycopg take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
