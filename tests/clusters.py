"""Throw-away PostgreSQL clusters for the tests that need a server of their own (Debian's authentication, an
outage, a replica): made with Debian's pg_createcluster on a free port, always dropped afterwards, and a killed run's
clusters are dropped by the next run on the same machine."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core import local_postgres
from tests.processes import alive, free_port

_NAME = re.compile(r"^assetmap_(\d+)_\d+$")


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def psql(self, sql: str, database: str = "postgres") -> str:
        """`sql` as the cluster's superuser, through the `postgres` account."""
        return local_postgres.psql(sql, database=database, port=self.port)

    def ctl(self, action: str) -> None:
        """pg_ctlcluster start, stop or restart."""
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action], check=True)


def requires_clusters() -> pytest.MarkDecorator:
    can = local_postgres.available() and os.geteuid() == 0 and shutil.which("pg_createcluster") is not None
    return pytest.mark.skipif(not can, reason="needs root, Debian's pg_createcluster and the postgres account")


@contextmanager
def debian_cluster() -> Iterator[Cluster]:
    """A new cluster set up as Debian sets one up (peer on the socket, scram-sha-256 on TCP), started."""
    with _new_cluster() as cluster:
        cluster.ctl("start")
        yield cluster


@contextmanager
def replica_of(primary: Cluster) -> Iterator[Cluster]:
    """A streaming replica of `primary`, started: a new cluster whose data is pg_basebackup's copy of the primary's,
    taken over the socket as the postgres account (Debian's pg_hba lets it replicate), with -R to follow it."""
    with _new_cluster(primary.version) as replica:
        data = Path("/var/lib/postgresql") / replica.version / replica.name
        for entry in data.iterdir():  # emptied, kept: only root may make a folder there
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        subprocess.run(
            ["runuser", "-u", local_postgres.ACCOUNT, "--", f"/usr/lib/postgresql/{replica.version}/bin/pg_basebackup",
             "-h", "/var/run/postgresql", "-p", str(primary.port), "-D", str(data), "-R", "-X", "stream", "-c", "fast"],
            check=True, capture_output=True, cwd="/",
        )
        replica.ctl("start")
        yield replica


@contextmanager
def _new_cluster(version: str | None = None) -> Iterator[Cluster]:
    """A cluster made by pg_createcluster on a free port, not started; dropped afterwards."""
    version = version or _server_version()
    _drop_orphans(version)
    port = free_port()
    cluster = Cluster(version, f"assetmap_{os.getpid()}_{port}", port)
    subprocess.run(
        ["pg_createcluster", version, cluster.name, "-p", str(port), "--",
         "--auth-local=peer", "--auth-host=scram-sha-256"],
        check=True, capture_output=True,
    )
    try:
        yield cluster
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, cluster.name], check=False, capture_output=True)


def _server_version() -> str:
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=int)
    return versions[-1]


def _drop_orphans(version: str) -> None:
    """Drops the clusters of earlier test runs whose process is gone."""
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        ver, name, *_ = line.split()
        if ver == version and (m := _NAME.match(name)) and not alive(int(m.group(1))):
            subprocess.run(["pg_dropcluster", "--stop", ver, name], check=False, capture_output=True)
