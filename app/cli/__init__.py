"""The `assetmap` command: serve, migrate, load data, manage keys. One module per group of commands (service,
accounts, upkeep, data); this table is where each is named."""

import typer

from app.cli import accounts, data, service, upkeep
from app.cli.output import console

app = typer.Typer(help="Community Asset Map: serve the map and manage its data.", no_args_is_help=True)
import_app = typer.Typer(help="Import data files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
insights_app = typer.Typer(help="Need, provision and demand by LSOA (docs/insights.md).", no_args_is_help=True)
app.add_typer(insights_app, name="insights")

app.command("init-db")(service.init_db)
app.command("migrate")(service.migrate)
app.command("serve")(service.serve)
app.command("create-api-key")(accounts.create_api_key)
app.command("revoke-api-key")(accounts.revoke_api_key)
app.command("list-api-keys")(accounts.list_api_keys)
app.command("create-user")(accounts.create_user)
app.command("disable-user")(accounts.disable_user)
app.command("purge-submissions")(upkeep.purge_submissions)
app.command("purge-shortlists")(upkeep.purge_shortlists)
app.command("purge-searches")(upkeep.purge_searches)
app.command("stale")(upkeep.stale)
app.command("remind-claimants")(upkeep.remind_claimants)
app.command("purge-claims")(upkeep.purge_claims)
import_app.command("postcodes")(data.import_postcodes)
import_app.command("oruk")(data.import_oruk)
import_app.command("osm")(data.import_osm)
import_app.command("boundaries")(data.import_boundaries)
import_app.command("csv")(data.import_csv)
import_app.command("geojson")(data.import_geojson)
import_app.command("deprivation")(data.import_deprivation)
insights_app.command("refresh")(data.insights_refresh)
app.command("imports")(data.list_imports)
app.command("load-demo")(data.load_demo)


def main() -> None:
    """The `assetmap` command. A database that is not set, or cannot be reached, is one line, not a traceback."""
    from sqlalchemy.exc import OperationalError

    from app.core.db import DatabaseNotConfigured

    try:
        app()
    except DatabaseNotConfigured as exc:
        console.print(str(exc), markup=False, soft_wrap=True)
        raise SystemExit(1) from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        console.print(f"Cannot reach the database ({reason}). Check DATABASE_URL, or run `make run`.", markup=False, soft_wrap=True)
        raise SystemExit(1) from None
