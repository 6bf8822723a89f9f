"""Database fixtures: a fresh SQLite file or a fresh PostgreSQL database per test, and where photos go.

PostgreSQL is a real server: a throwaway cluster in a temporary folder, started once per test
session on a free loopback port with the binaries `tests/postgres.sh` installs. Set
SIGHTLINE_TEST_POSTGRES_URL (e.g. postgresql://user:pass@host:5432/postgres, a role that may
create databases) to use a server of your own instead.

Photos go to a folder, or to a bucket in moto's in-process S3 (no network, fake credentials) for
the tests that parametrize `images_url` with "s3".
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql")
IMAGE_STORES = ("folder", "s3")
TEST_BUCKET = "sightline-test-photos"
_database_numbers = itertools.count()


def _postgres_bin_dir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL's initdb was not found: run tests/postgres.sh (make postgres-binaries)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server where the tests may create databases."""
    configured = os.environ.get("SIGHTLINE_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    bin_dir = _postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="sightline-pg-"))
    # initdb refuses to run as root: the cluster belongs to the `postgres` user then.
    as_owner: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = _free_port()
    subprocess.run(
        [
            *as_owner,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
    )
    started = subprocess.run(
        [*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        server_log = log.read_text() if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}{server_log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sightline.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_server"))
    name = f"sightline_test_{os.getpid()}_{next(_database_numbers)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def s3_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of an empty bucket in moto's S3, which answers every boto3 call made until the test ends."""
    import boto3
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=TEST_BUCKET)
        yield TEST_BUCKET


@pytest.fixture
def images_url(request) -> str:
    """`Storage.open`'s images_url: "" (the folder) unless a test parametrizes this fixture with "s3"."""
    if getattr(request, "param", "folder") == "s3":
        return f"s3://{request.getfixturevalue('s3_bucket')}/photos"
    return ""


@pytest.fixture
def storage(database_url: str, images_url: str, tmp_path: Path):
    """An opened `Storage` on a fresh database with its own image folder (or bucket, see `images_url`)."""
    from sightline.storage.service import Storage

    opened = Storage.open(database_url, tmp_path / "images", images_url)
    yield opened
    opened.close()
