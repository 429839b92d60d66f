"""Persistence: SQLite by default, PostgreSQL by URL. Censuses are replaced atomically; reads return polars
frames in the column contracts of ``hcsworkforce.model.frames``."""

from __future__ import annotations

import importlib
import io
import json
import os
import pkgutil
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import polars as pl
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, IntegrityError, InterfaceError, OperationalError

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model import frames
from hcsworkforce.model.scope import Scope
from hcsworkforce.settings import get_settings
from hcsworkforce.store import tables as t
from hcsworkforce.store import tables_esr as te
from hcsworkforce.store.tables_discovery import write_discovery


def all_tables() -> MetaData:
    """The shared metadata with every tables_*.py module imported, so it lists every table."""
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("tables_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    return t.metadata


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// as users write them; use psycopg 3 underneath."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@dataclass
class CensusLoad:
    """Everything one import writes, already validated and pseudonymised."""

    census_date: date
    staff: pl.DataFrame  # frames.STAFF_SCHEMA columns (region/division not needed)
    leavers: pl.DataFrame  # frames.LEAVER_SCHEMA columns
    establishment: pl.DataFrame | None
    organisations: pl.DataFrame  # code, name, region_code, known
    source_file: str
    file_sha256: str
    establishment_file: str | None
    has_leaver_data: bool
    data_quality: dict[str, Any]
    bank: pl.DataFrame | None = None  # tables_esr.BANK_COLUMNS: bank and honorary, counted apart
    statuses: pl.DataFrame | None = None  # tables_esr.STATUS_COLUMNS: in post, not available
    # analytics.discovery: leadership counts per organisation, likely HCS rows in other staff groups.
    leadership_counts: pl.DataFrame | None = None
    likely_hcs: pl.DataFrame | None = None
    # Whether the importer found a census of this date when it checked (None: replace whatever is there). A
    # census that was not there then but is at the write was loaded by a concurrent import: CensusConflict.
    census_existed: bool | None = None


class CensusConflict(UserInputError):
    """Another import loaded (or is loading) this census while this one was being checked; nothing written."""

    def __init__(self, load: CensusLoad) -> None:
        when = load.census_date.isoformat()
        super().__init__(
            Problem(
                f"census {when} is being loaded by another import, or was loaded by one while this file was "
                "being checked; nothing was loaded from this file",
                file=load.source_file,
                expected=f"wait for the other import to finish; to replace census {when} with this file, "
                "import it again",
            )
        )


# pg_advisory_xact_lock key of census writes (any constant; "HCSC" in ASCII).
_PG_CENSUS_LOCK_KEY = 0x48435343


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # -- schema -------------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the schema to every head (parallel branches from the base are allowed)."""
        from alembic import command, config  # only to migrate: alembic adds ~1 s to every `hcs` start-up

        cfg = config.Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        self._seed_regions()

    def _seed_regions(self) -> None:
        with self.engine.begin() as conn:
            have = {r[0] for r in conn.execute(select(t.regions.c.code))}
            rows = [{"code": c, "name": n} for c, n in reference.regions().items() if c not in have]
            if rows:
                conn.execute(insert(t.regions), rows)

    def is_initialised(self) -> bool:
        with self.engine.connect() as conn:
            return self.engine.dialect.has_table(conn, "censuses")

    # -- writing ------------------------------------------------------------------------------------------
    def replace_census(self, load: CensusLoad, actor: str | None = None) -> int:
        """Write one census in a single transaction, replacing any earlier import of the same date.

        Census writes take one lock, so two imports never interleave; the later one finds the earlier's census
        (CensusConflict when its importer saw none: see CensusLoad.census_existed)."""
        with self.engine.begin() as conn:
            self._lock_census_writes(conn)
            old = conn.execute(
                select(t.censuses.c.id).where(t.censuses.c.census_date == load.census_date)
            ).first()
            if old is not None and load.census_existed is False:
                raise CensusConflict(load)
            if old is not None:
                for tbl in (
                    t.assignments,
                    t.leavers,
                    t.establishment,
                    t.census_snapshots,
                    te.bank_assignments,
                    te.assignment_statuses,
                ):
                    conn.execute(delete(tbl).where(tbl.c.census_id == old[0]))
                conn.execute(delete(t.censuses).where(t.censuses.c.id == old[0]))
            self._upsert_organisations(conn, load.organisations)
            census_id = self._insert_census(
                conn,
                load,
                {
                    "census_date": load.census_date,
                    "imported_at": datetime.now(),
                    "source_file": load.source_file,
                    "file_sha256": load.file_sha256,
                    "establishment_file": load.establishment_file,
                    "rows_in_post": load.staff.height,
                    "rows_leavers": load.leavers.height,
                    "people_in_post": load.staff["staff_key"].n_unique(),
                    "has_leaver_data": load.has_leaver_data,
                    "data_quality": json.dumps(load.data_quality, default=str),
                },
            )
            self._bulk_insert(conn, "assignments", t.ASSIGNMENT_COLUMNS, load.staff, census_id)
            self._bulk_insert(conn, "leavers", t.LEAVER_COLUMNS, load.leavers, census_id)
            if load.establishment is not None:
                self._bulk_insert(
                    conn, "establishment", t.ESTABLISHMENT_COLUMNS, load.establishment, census_id
                )
            self._insert_esr_parts(conn, load, census_id)
            self._write_snapshots(conn, census_id, load)
            conn.execute(
                insert(t.import_log),
                {
                    "at": datetime.now(),
                    "census_date": load.census_date,
                    "file": load.source_file,
                    "status": "loaded",
                    "rows": load.staff.height + load.leavers.height,
                    "problems": 0,
                    "detail": json.dumps({"data_quality": load.data_quality}, default=str),
                    "actor": actor,
                },
            )
        return int(census_id)

    def _lock_census_writes(self, conn: Connection) -> None:
        """Hold the census-write lock until the transaction ends (the first statement of the transaction)."""
        if self.dialect == "sqlite":
            # The write lock from the start: in a deferred transaction two imports could both find no census
            # and then collide, or one fail at once on a snapshot another import has moved past.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CENSUS_LOCK_KEY})

    def _insert_census(self, conn: Connection, load: CensusLoad, values: dict[str, Any]) -> int:
        """The new census row's id; a census of this date written meanwhile (by a process that took no lock)
        is a CensusConflict, not a traceback."""
        try:
            return int(conn.execute(insert(t.censuses).returning(t.censuses.c.id), values).scalar_one())
        except IntegrityError as e:
            raise CensusConflict(load) from e

    def replace_organisation(self, load: CensusLoad, organisation: str, actor: str | None = None) -> int:
        """Replace one organisation's rows of a census, leaving every other organisation's untouched.

        This is how a trust loads its own extract into a shared (regional or national) database. Every row
        of the load must belong to `organisation` (the importer checks, with row numbers, before this).
        The census's counts and snapshot are rebuilt in the same transaction.
        """
        for name, df in (
            ("staff", load.staff),
            ("leavers", load.leavers),
            ("establishment", load.establishment),
        ):
            if df is not None and df.height and (df["organisation_code"] != organisation).any():
                raise ValueError(f"{name} rows of other organisations in a load for {organisation}")
        with self.engine.begin() as conn:
            self._lock_census_writes(conn)
            census_id, quality, had_leavers = self._clear_organisation(conn, load, organisation)
            self._bulk_insert(conn, "assignments", t.ASSIGNMENT_COLUMNS, load.staff, census_id)
            self._bulk_insert(conn, "leavers", t.LEAVER_COLUMNS, load.leavers, census_id)
            if load.establishment is not None:
                self._bulk_insert(
                    conn, "establishment", t.ESTABLISHMENT_COLUMNS, load.establishment, census_id
                )
            self._insert_esr_parts(conn, load, census_id)
            # Findings stay per organisation, so one trust's import does not overwrite another's.
            quality.setdefault("by_organisation", {})[organisation] = load.data_quality
            self._recount_census(conn, census_id, had_leavers or load.has_leaver_data, quality)
            self._rebuild_snapshot(conn, census_id, load)
            conn.execute(
                insert(t.import_log),
                {
                    "at": datetime.now(),
                    "census_date": load.census_date,
                    "file": load.source_file,
                    "status": "loaded",
                    "rows": load.staff.height + load.leavers.height,
                    "problems": 0,
                    "detail": json.dumps(
                        {"organisation": organisation, "data_quality": load.data_quality}, default=str
                    ),
                    "actor": actor,
                },
            )
        return census_id

    def _clear_organisation(
        self, conn: Connection, load: CensusLoad, organisation: str
    ) -> tuple[int, dict[str, Any], bool]:
        """The census of the load's date, created empty if there is none, with this organisation's rows
        deleted: its id, its data-quality findings so far, and whether it already had leaver data."""
        row = conn.execute(
            select(t.censuses.c.id, t.censuses.c.has_leaver_data, t.censuses.c.data_quality).where(
                t.censuses.c.census_date == load.census_date
            )
        ).first()
        if row is not None and load.census_existed is False:
            raise CensusConflict(load)
        self._upsert_organisations(conn, load.organisations)
        if row is None:
            census_id = self._insert_census(
                conn,
                load,
                {
                    "census_date": load.census_date,
                    "imported_at": datetime.now(),
                    "source_file": load.source_file,
                    "file_sha256": load.file_sha256,
                    "establishment_file": load.establishment_file,
                    "rows_in_post": 0,
                    "rows_leavers": 0,
                    "people_in_post": 0,
                    "has_leaver_data": load.has_leaver_data,
                    "data_quality": "{}",
                },
            )
            return census_id, {}, False
        census_id = int(row[0])
        for tbl in (
            t.assignments,
            t.leavers,
            t.establishment,
            te.bank_assignments,
            te.assignment_statuses,
        ):
            conn.execute(
                delete(tbl).where(tbl.c.census_id == census_id, tbl.c.organisation_code == organisation)
            )
        return census_id, json.loads(row[2] or "{}"), bool(row[1])

    def _recount_census(
        self, conn: Connection, census_id: int, has_leaver_data: bool, quality: dict[str, Any]
    ) -> None:
        """A census's row and people counts from the rows now in the database."""
        counts = conn.execute(
            text("SELECT COUNT(*), COUNT(DISTINCT staff_key) FROM assignments WHERE census_id = :c"),
            {"c": census_id},
        ).one()
        leaver_rows = conn.execute(
            text("SELECT COUNT(*) FROM leavers WHERE census_id = :c"), {"c": census_id}
        ).scalar_one()
        conn.execute(
            t.censuses.update()
            .where(t.censuses.c.id == census_id)
            .values(
                imported_at=datetime.now(),
                rows_in_post=int(counts[0]),
                people_in_post=int(counts[1]),
                rows_leavers=int(leaver_rows),
                has_leaver_data=has_leaver_data,
                data_quality=json.dumps(quality, default=str),
            )
        )

    def _rebuild_snapshot(self, conn: Connection, census_id: int, load: CensusLoad) -> None:
        """The snapshot holds the whole census: rebuild it from the rows now in the database."""
        conn.execute(delete(t.census_snapshots).where(t.census_snapshots.c.census_id == census_id))
        whole = CensusLoad(
            census_date=load.census_date,
            staff=self._rows(conn, t.assignments, t.ASSIGNMENT_COLUMNS, census_id),
            leavers=self._rows(conn, t.leavers, t.LEAVER_COLUMNS, census_id),
            establishment=self._rows(conn, t.establishment, t.ESTABLISHMENT_COLUMNS, census_id),
            organisations=load.organisations,
            source_file=load.source_file,
            file_sha256=load.file_sha256,
            establishment_file=load.establishment_file,
            has_leaver_data=load.has_leaver_data,
            data_quality=load.data_quality,
        )
        self._write_snapshots(conn, census_id, whole)

    def _insert_esr_parts(self, conn: Connection, load: CensusLoad, census_id: int) -> None:
        if load.leadership_counts is not None and load.likely_hcs is not None:
            write_discovery(conn, census_id, load.leadership_counts, load.likely_hcs)
        if load.bank is not None:
            self._bulk_insert(conn, "bank_assignments", te.BANK_COLUMNS, load.bank, census_id)
        if load.statuses is not None:
            self._bulk_insert(conn, "assignment_statuses", te.STATUS_COLUMNS, load.statuses, census_id)

    def _rows(self, conn: Connection, table: Any, columns: list[str], census_id: int) -> pl.DataFrame:
        """One census's rows of a table inside the caller's transaction, typed as the snapshot stores them."""
        rows = conn.execute(
            select(*(table.c[c] for c in columns)).where(table.c.census_id == census_id)
        ).all()
        schema = {c: _db_dtype(table.c[c]) for c in columns}
        df = pl.DataFrame(
            [tuple(r) for r in rows], schema=list(schema), orient="row", infer_schema_length=None
        )
        return df.select(
            (
                pl.col(c).cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
                if dt == pl.Date and df.schema[c] != pl.Date
                else pl.col(c).cast(dt)
            )
            for c, dt in schema.items()
        )

    def _write_snapshots(self, conn: Connection, census_id: int, load: CensusLoad) -> None:
        parts = [
            ("assignments", t.ASSIGNMENT_COLUMNS, load.staff),
            ("leavers", t.LEAVER_COLUMNS, load.leavers),
        ]
        if load.establishment is not None:
            parts.append(("establishment", t.ESTABLISHMENT_COLUMNS, load.establishment))
        rows = []
        for kind, columns, df in parts:
            buf = io.BytesIO()
            df.select(columns).write_parquet(buf, compression="zstd")
            rows.append({"census_id": census_id, "kind": kind, "rows": df.height, "data": buf.getvalue()})
        conn.execute(insert(t.census_snapshots), rows)

    def _snapshot_frame(
        self, conn: Connection, table: str, census_ids: list[int], columns: list[str], scope: Scope | None
    ) -> pl.DataFrame | None:
        """The rows of these censuses from their snapshots, or None when any census has none (an older import)."""
        have = conn.execute(
            select(t.census_snapshots.c.census_id, t.census_snapshots.c.data).where(
                t.census_snapshots.c.kind == table, t.census_snapshots.c.census_id.in_(census_ids)
            )
        ).all()
        if len(have) != len(census_ids):
            return None
        wanted = [c for c in columns if c != "census_id"]
        if scope is not None and scope.kind != "national" and "organisation_code" not in wanted:
            wanted.append("organisation_code")
        orgs: set[str] | None = None
        if scope is not None and scope.kind == "organisation":
            orgs = {str(scope.code)}
        elif scope is not None and scope.kind == "region":
            orgs = {
                r[0]
                for r in conn.execute(
                    select(t.organisations.c.code).where(t.organisations.c.region_code == scope.code)
                )
            }
        frames_: list[pl.DataFrame] = []
        for cid, data in have:
            df = pl.read_parquet(io.BytesIO(data), columns=wanted)
            if orgs is not None:
                df = df.filter(pl.col("organisation_code").is_in(list(orgs)))
            frames_.append(df.with_columns(pl.lit(int(cid), dtype=pl.Int32).alias("census_id")))
        return pl.concat(frames_, how="vertical_relaxed")

    def log_rejected_import(self, file: str, rows: int | None, problems: int, detail: dict[str, Any]) -> None:
        """Rejected imports write nothing but this audit line (only where the database already exists)."""
        if not self.is_initialised():
            return
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.import_log),
                {
                    "at": datetime.now(),
                    "file": file,
                    "status": "rejected",
                    "rows": rows,
                    "problems": problems,
                    "detail": json.dumps(detail, default=str),
                },
            )

    def _upsert_organisations(self, conn: Connection, orgs: pl.DataFrame) -> None:
        have = {
            r.code: (r.name, r.region_code)
            for r in conn.execute(
                select(t.organisations.c.code, t.organisations.c.name, t.organisations.c.region_code)
            )
        }
        new = []
        for row in orgs.iter_rows(named=True):
            if row["code"] not in have:
                new.append(row)
            elif (row["name"] and row["name"] != have[row["code"]][0]) or (
                row["region_code"] and row["region_code"] != have[row["code"]][1]
            ):
                conn.execute(
                    t.organisations.update()
                    .where(t.organisations.c.code == row["code"])
                    .values(
                        name=row["name"] or have[row["code"]][0],
                        region_code=row["region_code"] or have[row["code"]][1],
                    )
                )
        if new:
            conn.execute(insert(t.organisations), new)

    def _bulk_insert(
        self, conn: Connection, table: str, columns: list[str], df: pl.DataFrame, census_id: int
    ) -> None:
        if df.height == 0:
            return
        df = df.select(columns).with_columns(pl.lit(census_id, dtype=pl.Int32).alias("census_id"))
        cols = ["census_id", *columns]
        df = df.select(cols)
        raw = conn.connection.driver_connection
        if self.dialect == "postgresql":
            # COPY is an order of magnitude faster than INSERT for a national extract.
            buf = io.BytesIO()
            df.write_csv(buf, include_header=False, null_value="\\N", date_format="%Y-%m-%d")
            sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
                copy.write(buf.getvalue())
        else:
            dates = [c for c, dt in df.schema.items() if dt == pl.Date]
            df = df.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c in dates)
            placeholders = ", ".join("?" for _ in cols)
            cur = raw.cursor()  # type: ignore[union-attr]
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})", df.iter_rows()
            )
            cur.close()

    # -- reading ------------------------------------------------------------------------------------------
    def census_dates(self) -> list[date]:
        with self.engine.connect() as conn:
            return [
                _as_date(r[0])
                for r in conn.execute(select(t.censuses.c.census_date).order_by(t.censuses.c.census_date))
            ]

    def census_info(self, census_date: date | None = None) -> dict[str, Any] | None:
        """The census row (latest by default), with its data-quality findings decoded."""
        q = select(t.censuses)
        q = (
            q.where(t.censuses.c.census_date == census_date)
            if census_date
            else q.order_by(t.censuses.c.census_date.desc())
        )
        with self.engine.connect() as conn:
            row = conn.execute(q.limit(1)).mappings().first()
        if row is None:
            return None
        info = dict(row)
        info["census_date"] = _as_date(info["census_date"])
        info["data_quality"] = json.loads(info["data_quality"] or "{}")
        return info

    def _census_id(self, conn: Connection, census_date: date | None) -> int | None:
        q = select(t.censuses.c.id)
        q = (
            q.where(t.censuses.c.census_date == census_date)
            if census_date
            else q.order_by(t.censuses.c.census_date.desc())
        )
        row = conn.execute(q.limit(1)).first()
        return None if row is None else int(row[0])

    def organisations(self) -> pl.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.organisations.c.code,
                    t.organisations.c.name,
                    t.organisations.c.region_code,
                    t.organisations.c.known,
                )
            ).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={
                "organisation_code": pl.String,
                "organisation_name": pl.String,
                "region_code": pl.String,
                "known": pl.Boolean,
            },
            orient="row",
        )

    def _read(
        self,
        table: Any,
        columns: Sequence[str],
        schema: dict[str, Any],
        census_date: date | None,
        scope: Scope | None,
    ) -> pl.DataFrame:
        with self.engine.connect() as conn:
            census_id = self._census_id(conn, census_date)
            if census_id is None:
                return frames.empty(schema)
            cdate = conn.execute(
                select(t.censuses.c.census_date).where(t.censuses.c.id == census_id)
            ).scalar_one()
            q = (
                select(*(table.c[c] for c in columns), t.organisations.c.region_code)
                .select_from(
                    table.outerjoin(t.organisations, table.c.organisation_code == t.organisations.c.code)
                )
                .where(table.c.census_id == census_id)
            )
            if scope is not None and scope.kind == "organisation":
                q = q.where(table.c.organisation_code == scope.code)
            elif scope is not None and scope.kind == "region":
                q = q.where(t.organisations.c.region_code == scope.code)
            rows = conn.execute(q).all()
        if not rows:
            return frames.empty(schema)
        # Every row decides the types: a column null in the first rows (no expected completion yet) must not
        # be typed Null and then fail on a later date.
        df = pl.DataFrame(
            [tuple(r) for r in rows], schema=[*columns, "region_code"], orient="row", infer_schema_length=None
        )
        df = df.with_columns(pl.lit(_as_date(cdate)).alias("census_date"))
        if "specialism_id" in df.columns:
            division = {s.id: s.division_id for s in reference.specialisms().values()}
            df = df.with_columns(
                pl.col("specialism_id").replace_strict(division, default=None).alias("division_id")
            )
        casts = []
        for name, dtype in schema.items():
            if name not in df.columns:
                df = df.with_columns(pl.lit(None, dtype=dtype).alias(name))
            elif dtype == pl.Date and df.schema[name] != pl.Date:
                casts.append(pl.col(name).cast(pl.String).str.to_date("%Y-%m-%d", strict=False))
            elif df.schema[name] != dtype:
                casts.append(pl.col(name).cast(dtype))
        if casts:
            df = df.with_columns(casts)
        return df.select(list(schema))

    def staff(self, census_date: date | None = None, scope: Scope | None = None) -> pl.DataFrame:
        """Assignments in post on the census date (the latest census by default), in STAFF_SCHEMA."""
        return self._read(t.assignments, t.ASSIGNMENT_COLUMNS, frames.STAFF_SCHEMA, census_date, scope)

    def bank(self, census_date: date | None = None, scope: Scope | None = None) -> pl.DataFrame:
        """Bank and honorary assignments of healthcare scientists (not in post; bank is supply)."""
        schema = {c: _db_dtype(te.bank_assignments.c[c]) for c in te.BANK_COLUMNS}
        return self._read(te.bank_assignments, te.BANK_COLUMNS, schema, census_date, scope)

    def statuses(self, census_date: date | None = None, scope: Scope | None = None) -> pl.DataFrame:
        """In-post assignments that are not available (maternity, career break, secondment, suspended)."""
        schema = {c: _db_dtype(te.assignment_statuses.c[c]) for c in te.STATUS_COLUMNS}
        return self._read(te.assignment_statuses, te.STATUS_COLUMNS, schema, census_date, scope)

    def leavers(self, census_date: date | None = None, scope: Scope | None = None) -> pl.DataFrame:
        return self._read(t.leavers, t.LEAVER_COLUMNS, frames.LEAVER_SCHEMA, census_date, scope)

    def establishment(self, census_date: date | None = None, scope: Scope | None = None) -> pl.DataFrame:
        return self._read(
            t.establishment, t.ESTABLISHMENT_COLUMNS, frames.ESTABLISHMENT_SCHEMA, census_date, scope
        )

    # -- reading many censuses at once --------------------------------------------------------------------
    def staff_history(
        self,
        census_dates: Sequence[date] | None = None,
        scope: Scope | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Assignments in post of many censuses (all by default) in one frame, STAFF_SCHEMA with census_date.

        `columns` (STAFF_SCHEMA names) limits what is fetched: a trend of 36 censuses of 60,000 staff reads
        2 million rows, and every column left in the database is time saved. census_date is always included.
        """
        return self._read_history(t.assignments, frames.STAFF_SCHEMA, census_dates, scope, columns)

    def leavers_history(
        self,
        census_dates: Sequence[date] | None = None,
        scope: Scope | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Each census's leavers (of its 12 months), many censuses in one frame, LEAVER_SCHEMA."""
        return self._read_history(t.leavers, frames.LEAVER_SCHEMA, census_dates, scope, columns)

    def establishment_history(
        self,
        census_dates: Sequence[date] | None = None,
        scope: Scope | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Each census's establishment lines, many censuses in one frame, ESTABLISHMENT_SCHEMA."""
        return self._read_history(t.establishment, frames.ESTABLISHMENT_SCHEMA, census_dates, scope, columns)

    def _read_history(
        self,
        table: Any,
        schema: dict[str, Any],
        census_dates: Sequence[date] | None,
        scope: Scope | None,
        columns: Sequence[str] | None,
    ) -> pl.DataFrame:
        """One query for many censuses; rows travel as text into polars' CSV reader, never as Python tuples.

        Building a Python object per cell (SQLAlchemy rows, then a frame from them) costs about a microsecond a
        cell, seconds for a history; the database writing delimited text and polars parsing it in native code
        is several times faster. Scope filters run in the database.
        """
        wanted = (
            list(schema) if columns is None else [c for c in schema if c in set(columns) | {"census_date"}]
        )
        unknown = set(columns or ()) - set(schema)
        if unknown:
            raise ValueError(f"not columns of {table.name}: {', '.join(sorted(unknown))}")
        out_schema = {c: schema[c] for c in wanted}
        db_cols = [c for c in wanted if c in table.c]
        if "region_code" in wanted and "organisation_code" not in db_cols:
            db_cols.append("organisation_code")
        if "division_id" in wanted and "specialism_id" not in db_cols:
            db_cols.append("specialism_id")
        with self.engine.connect() as conn:
            q = select(t.censuses.c.id, t.censuses.c.census_date)
            if census_dates is not None:
                q = q.where(t.censuses.c.census_date.in_(list(census_dates)))
            ids = {int(r[0]): _as_date(r[1]) for r in conn.execute(q)}
            if not ids:
                return frames.empty(out_schema)
            where, params = self._history_where(sorted(ids), census_dates is None, scope)
            text_schema = {"census_id": pl.Int32, **{c: _db_dtype(table.c[c]) for c in db_cols}}
            snap = self._snapshot_frame(conn, table.name, sorted(ids), db_cols, scope)
            if snap is not None:
                df = snap.select(pl.col(c).cast(dtype) for c, dtype in text_schema.items())
            elif self.dialect == "sqlite":
                df = self._history_sqlite(conn, table.name, text_schema, where, params)
            elif self.dialect == "postgresql":
                df = self._history_postgresql(conn, table.name, text_schema, where, params)
            else:  # any other database: the portable (slower) row fetch
                rows = conn.execute(
                    text(f"SELECT census_id, {', '.join(db_cols)} FROM {table.name} {where}"), params
                )
                df = pl.DataFrame(
                    [tuple(r) for r in rows], schema=text_schema, orient="row", infer_schema_length=None
                )
            regions = {
                r[0]: r[1]
                for r in conn.execute(select(t.organisations.c.code, t.organisations.c.region_code))
            }
        dates = pl.DataFrame(
            {"census_id": list(ids), "census_date": list(ids.values())},
            schema={"census_id": pl.Int32, "census_date": pl.Date},
        )
        df = df.join(dates, on="census_id", how="left")
        if "region_code" in wanted:
            df = df.with_columns(
                pl.col("organisation_code")
                .replace_strict(regions, default=None, return_dtype=pl.String)
                .alias("region_code")
            )
        if "division_id" in wanted:
            division = {s.id: s.division_id for s in reference.specialisms().values()}
            df = df.with_columns(
                pl.col("specialism_id")
                .replace_strict(division, default=None, return_dtype=pl.String)
                .alias("division_id")
            )
        return df.select(
            pl.col(c).cast(dtype) if c in df.columns else pl.lit(None, dtype=dtype).alias(c)
            for c, dtype in out_schema.items()
        )

    def _history_where(
        self, census_ids: list[int], every_census: bool, scope: Scope | None
    ) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {f"c{k}": cid for k, cid in enumerate(census_ids)}
        conditions = []
        if not every_census:
            # Over more than a few censuses, SQLite reads faster in table order than through the census
            # index (a lookup per row); a unary + keeps it off the index there.
            plus = "+" if self.dialect == "sqlite" and len(census_ids) > 4 else ""
            conditions.append(f"{plus}census_id IN ({', '.join(':' + p for p in params)})")
        else:
            params = {}
        if scope is not None and scope.kind == "organisation":
            conditions.append("organisation_code = :scope")
            params["scope"] = scope.code
        elif scope is not None and scope.kind == "region":
            # A subquery, not a join: the organisations table is small and the row scan stays plain.
            conditions.append(
                "organisation_code IN (SELECT code FROM organisations WHERE region_code = :scope)"
            )
            params["scope"] = scope.code
        return ("WHERE " + " AND ".join(conditions) if conditions else ""), params

    def _history_sqlite(
        self, conn: Connection, table: str, schema: dict[str, Any], where: str, params: dict[str, Any]
    ) -> pl.DataFrame:
        # One formatted line per row. Codes go out as they are (validated on import, see _CODE_COLUMNS); other
        # text is quoted (SQL quote() doubles inner quotes, as CSV does with the
        # quote character ') and a NULL is an empty unquoted field, so any text survives; a REAL goes out
        # with 17 significant digits, enough to give back the same double.
        fields = []
        for name, dtype in schema.items():
            if dtype == pl.String and name not in _CODE_COLUMNS:
                fields.append(f"iif({name} IS NULL, '', quote({name}))")
            elif dtype == pl.Float64:
                fields.append(f"iif({name} IS NULL, '', printf('%!.17g', {name}))")
            else:  # integers and dates (ISO text in SQLite): no separator or quote can occur in them
                fields.append(f"ifnull({name}, '')")
        line = f"printf('{_SEP.join('%s' for _ in fields)}', {', '.join(fields)})"
        sql = f"SELECT {line} FROM {table} {where}"
        raw = conn.connection.driver_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql, params)
            rows = cur.fetchall()
        finally:
            cur.close()
        if not rows:
            return frames.empty(schema)
        body = "\n".join([r[0] for r in rows]).encode()
        del rows
        return pl.read_csv(body, has_header=False, separator=_SEP, quote_char="'", schema=schema)

    def _history_postgresql(
        self, conn: Connection, table: str, schema: dict[str, Any], where: str, params: dict[str, Any]
    ) -> pl.DataFrame:
        # COPY out streams the server's own CSV, far faster than fetching rows. Dates are written with
        # to_char so the server's DateStyle cannot change them; floats come out exact (extra_float_digits >= 1,
        # the default since PostgreSQL 12, prints the shortest text that reads back to the same double).
        cols = ", ".join(
            f"to_char({c}, 'YYYY-MM-DD')" if dtype == pl.Date else c for c, dtype in schema.items()
        )
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:  # type: ignore[union-attr]
            buf = io.BytesIO()
            sql = f"COPY (SELECT {cols} FROM {table} {_pg_params(where)}) TO STDOUT WITH (FORMAT csv)"
            with cur.copy(sql, params) as copy:
                for chunk in copy:
                    buf.write(chunk)
        if buf.tell() == 0:
            return frames.empty(schema)
        return pl.read_csv(buf.getvalue(), has_header=False, schema=schema)

    def import_log(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(t.import_log).order_by(t.import_log.c.id.desc()).limit(limit))
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts of the foundation tables (tests use this to prove a rejected import wrote nothing)."""
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one())
                for name in ("organisations", "censuses", "assignments", "leavers", "establishment")
            }

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn


_SEP = "\x1f"  # ASCII unit separator between fields: it cannot occur in a code, a number or a date


# Text columns that hold only validated codes (pseudonyms in hex, ODS codes, reference ids): never a
# separator, a line break or a quote, so they need no quoting, which costs a third of a history read.
_CODE_COLUMNS = frozenset(
    {
        "staff_key",
        "assignment_key",
        "organisation_code",
        "specialism_id",
        "career_level",
        "afc_band",
        "training_programme",
    }
)


def _db_dtype(column: Any) -> Any:
    """The polars type a table column is read as (dates as Date, whole numbers as Int64)."""
    if isinstance(column.type, Float):
        return pl.Float64
    if isinstance(column.type, Integer):
        return pl.Int64
    if isinstance(column.type, (Date, DateTime)):
        return pl.Date
    if isinstance(column.type, Boolean):
        return pl.Boolean
    return pl.String


def _pg_params(sql: str) -> str:
    """SQLAlchemy-style :name parameters as psycopg's %(name)s."""

    return re.sub(r":(\w+)", r"%(\1)s", sql)


def _as_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


_ENGINES: dict[str, Engine] = {}


def dispose_all() -> None:
    """Close every pooled connection this process opened (tests call it before dropping a database)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def make_engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL per process."""
    url = normalise_url(url)
    if url not in _ENGINES:
        _ENGINES[url] = _new_engine(url)
    return _ENGINES[url]


def _new_engine(url: str) -> Engine:
    u = make_url(url)
    if u.drivername.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "handle_error", _name_the_database)
    return engine


def _name_the_database(context: Any) -> None:
    """Mark a database error with the URL it came from (password masked), for the one-line message the CLI
    prints (fault_message); the error itself goes on as raised."""
    if context.engine is not None:
        context.sqlalchemy_exception.hcs_url = masked_url(str(context.engine.url))


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        return unquote(make_url(normalise_url(url)).render_as_string(hide_password=True))
    except Exception:  # an unparseable URL holds no password we could find; show nothing of it
        return "(the database URL given)"


class DatabaseFault(Exception):
    """The database cannot be opened where it was asked for; the message says what to do (CLI: exit 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _sqlite_file(url: str, create: bool) -> None:
    """A SQLite database file that does not exist yet is made owner-only (0600) in a folder that exists.

    A folder that does not exist is an error (a mistyped --db path is not a new database), unless the caller
    creates databases (`hcs init`) or it is the data directory, which is made on purpose (0700)."""
    u = make_url(url)
    if not u.database or u.database == ":memory:" or u.query.get("uri") or u.database.startswith("file:"):
        return
    path = Path(u.database).expanduser()
    if path.exists():
        return
    folder = path.parent
    shown = masked_url(url)
    if not folder.is_dir():
        if folder.exists():
            raise DatabaseFault(f"cannot create the database {shown}: {folder} is not a folder")
        if not (create or folder.absolute() == get_settings().data_dir.expanduser().absolute()):
            raise DatabaseFault(
                f"the folder {folder} does not exist, so there is no database {shown}: check the path "
                "(--db or HCS_DATABASE_URL), or create a new database there with `hcs init --db URL`"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise DatabaseFault(f"cannot create the folder {folder} for the database: {e.strerror}") from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it first: it is theirs to have made owner-only
    except OSError as e:
        raise DatabaseFault(
            f"cannot create the database {shown}: {e.strerror} (check that its folder {folder} can be written)"
        ) from None


def open_store(url: str | None = None, *, migrate: bool = False, create: bool = False) -> Store:
    """Open the database at ``url`` (default: settings). ``migrate=True`` creates or upgrades the schema.

    A new SQLite file is created owner-only; its folder must exist unless ``create`` (`hcs init`) or it is the
    data directory (DatabaseFault otherwise)."""
    url = url or get_settings().resolved_database_url()
    if make_url(normalise_url(url)).drivername.startswith("sqlite"):
        _sqlite_file(normalise_url(url), create)
    store = Store(make_engine(url))
    if migrate:
        store.migrate()
    return store


# What a database's error says (lower case) -> what the user is told after the URL, and what to do.
_CHECK_URL = "check HCS_DATABASE_URL (or --db)"
_FAULTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ('role "',),
        "the database server of {url} has no such user ({why}): " + _CHECK_URL,
    ),
    (
        ("does not exist",),
        "the database {url} does not exist ({why}): create it (createdb, then `hcs init`), or " + _CHECK_URL,
    ),
    (
        ("password authentication failed", "authentication failed", "no password supplied"),
        "the database server of {url} refused the user name or password: " + _CHECK_URL,
    ),
    (
        (
            "connection refused",
            "could not connect",
            "connection failed",
            "timeout expired",
            "no route to host",
        ),
        "cannot connect to the database {url} ({why}): start PostgreSQL, or " + _CHECK_URL,
    ),
    (
        ("could not translate host name", "name or service not known", "nodename nor servname"),
        "cannot find the database server of {url} ({why}): " + _CHECK_URL,
    ),
    (
        ("server closed the connection", "terminating connection", "connection is closed", "ssl syscall"),
        "the connection to the database {url} was lost ({why}): check that PostgreSQL is running, then try again",
    ),
    (
        ("read-only transaction",),
        "the database {url} is read-only (a standby server?): point HCS_DATABASE_URL at the primary",
    ),
    (
        ("database is locked", "database table is locked"),
        "the database {url} is locked by another process (an import, `hcs serve` or a worker writing to it): "
        "wait for it to finish, then try again",
    ),
    (
        ("readonly database", "read-only file system"),
        "the database {url} is read-only: it cannot be written here (check the permissions of the file and its "
        "folder, and that the file system is not read-only), or use another database with --db",
    ),
    (
        ("unable to open database file",),
        "cannot open the database {url}: check that the file and its folder exist and can be read and "
        "written, or " + _CHECK_URL,
    ),
    (
        ("database or disk is full",),
        "the disk holding the database {url} is full: free some space, then try again",
    ),
    (
        ("disk i/o error",),
        "the disk holding the database {url} gave an I/O error: check the file system (full, read-only or "
        "failing?), then try again",
    ),
    (
        ("file is not a database", "file is encrypted"),
        "{url} is not a SQLite database: " + _CHECK_URL,
    ),
    (
        ("malformed",),
        "the database file {url} is damaged ({why}): restore it from a backup",
    ),
)


def fault_message(exc: BaseException) -> str | None:
    """One line for a database that is unreachable, missing, read-only, locked or damaged, naming its URL
    (password masked) and what to do; None for anything else (a bug keeps its traceback)."""
    if isinstance(exc, DatabaseFault):
        return exc.message
    if not isinstance(exc, DBAPIError):
        return None
    if not (isinstance(exc, OperationalError | InterfaceError) or type(exc) is DatabaseError):
        return None  # IntegrityError, ProgrammingError, DataError ...: our mistake, not the database's state
    url = getattr(exc, "hcs_url", None) or "(the database)"
    lines = [ln.strip() for ln in str(exc.orig or exc).splitlines() if ln.strip()]
    why = lines[0][:200] if lines else type(exc).__name__
    text_ = " ".join(lines).lower()
    for needles, message in _FAULTS:
        if any(n in text_ for n in needles):
            return message.format(url=url, why=why)
    return f"the database {url} failed ({why}): check that it is running and reachable, or {_CHECK_URL}"
