"""Asset store: categories, postcodes, organisations, assets, sessions, history, API keys, import runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # array_to_string is only STABLE; a generated column needs an IMMUTABLE expression.
    op.execute(
        "CREATE FUNCTION assetmap_join(text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        "AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$"
    )

    op.create_table(
        "category",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("category.id"), index=True),
        sa.Column("path", sa.String(400), nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_category_slug", "category", ["slug"], unique=True)

    op.create_table(
        "postcode",
        sa.Column("key", sa.String(8), primary_key=True),
        sa.Column("postcode", sa.String(8), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
    )
    op.create_table(
        "outcode",
        sa.Column("outcode", sa.String(4), primary_key=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("n_postcodes", sa.Integer, nullable=False, server_default="0"),
    )

    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("website", sa.String),
        sa.Column("email", sa.String),
        sa.Column("phone", sa.String),
    )

    text_array = dict(type_=postgresql.ARRAY(sa.Text), nullable=False, server_default="{}")
    op.create_table(
        "asset",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("organisation_id", sa.Uuid, sa.ForeignKey("organisation.id"), index=True),
        sa.Column("tags", **text_array),
        sa.Column("address", sa.String),
        sa.Column("postcode", sa.String(8)),
        sa.Column(
            "location",
            geoalchemy2.types.Geography("POINT", srid=4326, spatial_index=False, from_text="ST_GeogFromText", name="geography"),
            nullable=False,
        ),
        sa.Column("phone", sa.String),
        sa.Column("email", sa.String),
        sa.Column("website", sa.String),
        sa.Column("free", sa.Boolean),
        sa.Column("cost_description", sa.String),
        sa.Column("accessibility", **text_array),
        sa.Column("languages", **text_array),
        sa.Column("min_age", sa.Integer),
        sa.Column("max_age", sa.Integer),
        sa.Column("audience", sa.String),
        sa.Column("drop_in", sa.Boolean),
        sa.Column("opening_hours_text", sa.String),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("source", sa.String(40)),
        sa.Column("external_id", sa.String(120)),
        sa.Column("last_verified_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR,
            sa.Computed("to_tsvector('english', name || ' ' || description || ' ' || assetmap_join(tags))", persisted=True),
        ),
        sa.UniqueConstraint("source", "external_id", name="uq_asset_source_external_id"),
        sa.CheckConstraint("status IN ('pending', 'published', 'archived')", name="ck_asset_status"),
        sa.CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ck_asset_age_range"),
    )
    op.create_index("ix_asset_location", "asset", ["location"], postgresql_using="gist")
    # Bounding-box and tile queries work in planar lon/lat: index the geometry view of the point too.
    op.execute("CREATE INDEX ix_asset_geom ON asset USING gist ((location::geometry))")
    op.create_index("ix_asset_status", "asset", ["status"])
    op.create_index("ix_asset_search_vector", "asset", ["search_vector"], postgresql_using="gin")
    op.create_index("ix_asset_accessibility", "asset", ["accessibility"], postgresql_using="gin")
    op.create_index(
        "ix_asset_name_trgm", "asset", ["name"], postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
    )

    op.create_table(
        "asset_category",
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("category.id"), primary_key=True),
    )
    op.create_index("ix_asset_category_category_id", "asset_category", ["category_id"])

    op.create_table(
        "asset_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("opens", sa.Time, nullable=False),
        sa.Column("closes", sa.Time, nullable=False),
        sa.Column("note", sa.String),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_asset_session_weekday"),
        sa.CheckConstraint("opens < closes", name="ck_asset_session_order"),
    )
    op.create_index("ix_asset_session_asset_id", "asset_session", ["asset_id", "weekday"])

    op.create_table(
        "asset_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("submission_id", sa.Uuid),
        sa.Column("changes", postgresql.JSONB, nullable=False),
        sa.Column("snapshot", postgresql.JSONB, nullable=False),
    )
    op.create_index("ix_asset_history_asset_id", "asset_history", ["asset_id", "changed_at"])

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("role IN ('admin', 'moderator', 'link_worker')", name="ck_api_key_role"),
    )

    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("status", sa.String(20), nullable=False, server_default="running"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("counts", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("errors", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
    )

    _seed_taxonomy()


# (slug, name, parent slug, description). Documented in docs/taxonomy.md; tests keep the two in step.
TAXONOMY: list[tuple[str, str, str | None, str]] = [
    ("social-connection", "Social connection", None, "Groups and places where people meet, talk and belong."),
    ("lunch-clubs", "Lunch clubs", "social-connection", "Regular shared meals, often for older people."),
    ("coffee-mornings", "Coffee mornings and drop-in socials", "social-connection", "Informal get-togethers over a cuppa."),
    ("mens-sheds", "Men's sheds", "social-connection", "Community workshops where men make, mend and talk."),
    ("befriending", "Befriending", "social-connection", "Volunteers who visit or phone people who are lonely."),
    ("clubs-societies", "Clubs and societies", "social-connection", "Hobby, interest and social clubs; residents' associations."),
    ("arts-culture", "Arts, music and culture", None, "Making, performing and enjoying culture together."),
    ("choirs-music", "Choirs and music", "arts-culture", "Choirs, singing groups, bands and music sessions."),
    ("arts-crafts", "Arts and crafts", "arts-culture", "Painting, knitting, pottery, crafts and creative groups."),
    ("drama-dance", "Drama and dance", "arts-culture", "Amateur theatre, dance classes and movement groups."),
    ("heritage-museums", "Museums and heritage", "arts-culture", "Museums, galleries, heritage and history groups."),
    ("reading-writing", "Reading and writing groups", "arts-culture", "Book clubs, creative writing and storytelling."),
    ("physical-activity", "Physical activity", None, "Ways to move more, at any level of fitness."),
    ("walking-groups", "Walking groups", "physical-activity", "Led health walks and rambling groups."),
    ("sports-clubs", "Sports clubs", "physical-activity", "Community sports clubs and teams."),
    ("exercise-classes", "Exercise classes", "physical-activity", "Chair exercise, yoga, tai chi, strength and balance."),
    ("leisure-centres", "Leisure centres and pools", "physical-activity", "Gyms, pools and sports centres."),
    ("green-spaces", "Green spaces and gardening", None, "Time outdoors and growing things."),
    ("parks", "Parks and open spaces", "green-spaces", "Parks, commons, nature reserves and open spaces."),
    ("community-gardens", "Community gardens and allotments", "green-spaces", "Shared gardens, allotments and growing projects."),
    ("conservation", "Conservation volunteering", "green-spaces", "Practical nature and environment volunteering."),
    ("mental-wellbeing", "Mental health and wellbeing", None, "Support for emotional wellbeing and mental health."),
    ("wellbeing-activities", "Wellbeing activities", "mental-wellbeing", "Mindfulness, relaxation and wellbeing courses."),
    ("mental-health-services", "Mental health services", "mental-wellbeing", "Talking therapies, recovery colleges and community mental health support."),
    ("crisis-support", "Crisis support", "mental-wellbeing", "Places and lines to turn to in a crisis."),
    ("peer-support", "Peer support", None, "Groups run by and for people with shared experience."),
    ("mental-health-peer-support", "Mental health peer support", "peer-support", "Groups for people living with mental ill health."),
    ("bereavement-support", "Bereavement support", "peer-support", "Support after the death of someone close."),
    ("recovery-support", "Addiction recovery", "peer-support", "Mutual aid for recovery from alcohol, drugs or gambling."),
    ("long-term-conditions", "Long-term conditions", "peer-support", "Groups for people living with a condition such as diabetes, stroke or dementia."),
    ("food", "Food", None, "Emergency food and shared meals."),
    ("food-banks", "Food banks", "food", "Emergency food parcels, usually by referral or voucher."),
    ("food-pantries", "Food pantries and community shops", "food", "Low-cost membership food schemes and fridges."),
    ("community-meals", "Community meals", "food", "Free or low-cost hot meals, open to all."),
    ("money-advice", "Money, debt and benefits advice", None, "Help with money worries, debt, benefits and bills."),
    ("debt-advice", "Debt advice", "money-advice", "Free, confidential debt advice."),
    ("benefits-advice", "Benefits advice", "money-advice", "Help to check and claim benefits."),
    ("housing", "Housing", None, "Help to find, keep or improve a home."),
    ("housing-advice", "Housing advice", "housing", "Advice on tenancy, homelessness and repairs."),
    ("homelessness-support", "Homelessness support", "housing", "Day centres, outreach and shelters."),
    ("learning", "Learning and libraries", None, "Libraries, courses and skills."),
    ("libraries", "Libraries", "learning", "Public libraries: books, computers, groups and events."),
    ("adult-learning", "Adult learning", "learning", "Community courses and adult education."),
    ("digital-skills", "Digital skills", "learning", "Help to get online and use devices."),
    ("english-language", "English language (ESOL)", "learning", "English classes and conversation clubs."),
    ("faith", "Faith communities", None, "Places of worship and faith-based groups."),
    ("places-of-worship", "Places of worship", "faith", "Churches, mosques, temples, gurdwaras, synagogues and meeting houses."),
    ("faith-groups", "Faith-based groups", "faith", "Community groups run by faith organisations."),
    ("carers", "Carers", None, "Support for unpaid carers."),
    ("carers-support", "Carers' support", "carers", "Carers' centres, groups and breaks."),
    ("young-people", "Young people", None, "Groups and support for children, young people and families."),
    ("youth-clubs", "Youth clubs", "young-people", "Youth clubs and uniformed groups."),
    ("families", "Families and early years", "young-people", "Parent and toddler groups, family hubs."),
    ("older-people", "Older people", None, "Groups and support for older people."),
    ("older-people-groups", "Older people's groups", "older-people", "Social groups and day centres for older people."),
    ("older-people-advice", "Advice for older people", "older-people", "Advice and practical help in later life."),
    ("community-spaces", "Community spaces", None, "Physical places open to the community."),
    ("community-centres", "Community centres and halls", "community-spaces", "Community centres, village halls and church halls."),
    ("warm-spaces", "Warm spaces", "community-spaces", "Free, welcoming places to keep warm in winter."),
    ("local-businesses", "Local businesses as community spaces", None, "Everyday places where people meet and are known."),
    ("cafes", "Cafes", "local-businesses", "Cafes and community cafes."),
    ("pubs", "Pubs", "local-businesses", "Pubs and social clubs."),
    ("barbers", "Barbers", "local-businesses", "Barbers: places many men talk."),
    ("hairdressers", "Hairdressers", "local-businesses", "Hairdressers and salons."),
    ("health-services", "Health services", None, "NHS and community health services."),
    ("gp-practices", "GP practices", "health-services", "NHS general practices."),
    ("pharmacies", "Pharmacies", "health-services", "Community pharmacies."),
    ("dentists", "Dentists", "health-services", "Dental practices."),
    ("health-clinics", "Clinics and health centres", "health-services", "Clinics, hospitals and health centres."),
    ("volunteering", "Volunteering and community action", None, "Charities, volunteering and community organising."),
    ("charities", "Charities and community groups", "volunteering", "Local charities and voluntary organisations."),
    ("volunteer-centres", "Volunteer centres", "volunteering", "Places that match volunteers with opportunities."),
]


def _seed_taxonomy() -> None:
    category = sa.table(
        "category",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.Text),
        sa.column("parent_id", sa.Integer),
        sa.column("path", sa.String),
        sa.column("position", sa.Integer),
    )
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    rows = []
    for position, (slug, name, parent, description) in enumerate(TAXONOMY, start=1):
        ids[slug] = position
        paths[slug] = f"{paths[parent]}/{slug}" if parent else slug
        rows.append(
            {
                "id": position,
                "slug": slug,
                "name": name,
                "description": description,
                "parent_id": ids[parent] if parent else None,
                "path": paths[slug],
                "position": position,
            }
        )
    op.bulk_insert(category, rows)
    op.execute(f"SELECT setval('category_id_seq', {len(rows)})")


def downgrade() -> None:
    for table in (
        "import_run", "api_key", "asset_history", "asset_session", "asset_category",
        "asset", "organisation", "outcode", "postcode", "category",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION assetmap_join(text[])")
