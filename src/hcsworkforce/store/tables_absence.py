"""Sickness absence episodes, each loaded against the census it belongs to, with the reads and writes they need.

Rows are keyed by the census date (not the census row's id), so re-importing a census keeps its absence
extract: the same staff ids give the same pseudonyms. A re-import of an absence extract for the same census
replaces the earlier one, in one transaction.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, delete, func, insert, select

from hcsworkforce.model.scope import Scope
from hcsworkforce.store.tables import import_log, metadata, organisations

absences = Table(
    "absences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("census_date", Date, nullable=False),
    Column("staff_key", String(40), nullable=False),
    Column("assignment_key", String(40), nullable=False),
    # Copied from the census's assignment so a scoped read needs no join.
    Column("organisation_code", String(8), nullable=False),
    Column("absence_start", Date, nullable=False),
    Column("absence_end", Date),  # null: still absent on the census date
    Column("reason", String(200)),
    Column("source_file", String(500)),
    Column("imported_at", DateTime, nullable=False),
)
Index("ix_absences_census", absences.c.census_date, absences.c.organisation_code)

COLUMNS = ["staff_key", "assignment_key", "organisation_code", "absence_start", "absence_end", "reason"]
SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "census_date": pl.Date,
    "staff_key": pl.String,
    "assignment_key": pl.String,
    "organisation_code": pl.String,
    "absence_start": pl.Date,
    "absence_end": pl.Date,
    "reason": pl.String,
}


def replace_absences(store: Any, census_date: date, episodes: pl.DataFrame, source_file: str) -> int:
    """Write one census's absence episodes (already validated), replacing any loaded before. Returns rows."""
    now = datetime.now()
    frame = episodes.select(COLUMNS)
    with store.engine.begin() as conn:
        conn.execute(delete(absences).where(absences.c.census_date == census_date))
        if frame.height:
            frame = frame.with_columns(
                pl.lit(census_date).alias("census_date"),
                pl.lit(source_file).alias("source_file"),
                pl.lit(now).alias("imported_at"),
            )
            cols = ["census_date", *COLUMNS, "source_file", "imported_at"]
            raw = conn.connection.driver_connection
            if store.dialect == "postgresql":
                # COPY: a national year of episodes is hundreds of thousands of rows.
                buf = io.BytesIO()
                frame.select(cols).write_csv(
                    buf, include_header=False, null_value="\\N", date_format="%Y-%m-%d"
                )
                sql = f"COPY absences ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                with raw.cursor() as cur, cur.copy(sql) as copy:
                    copy.write(buf.getvalue())
            else:
                out = frame.select(cols).with_columns(
                    pl.col(c).dt.strftime("%Y-%m-%d") for c in ("census_date", "absence_start", "absence_end")
                )
                out = out.with_columns(pl.col("imported_at").dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
                cur = raw.cursor()
                placeholders = ", ".join("?" for _ in cols)
                cur.executemany(
                    f"INSERT INTO absences ({', '.join(cols)}) VALUES ({placeholders})", out.iter_rows()
                )
                cur.close()
        conn.execute(
            insert(import_log),
            {
                "at": now,
                "census_date": census_date,
                "file": source_file,
                "status": "loaded",
                "rows": frame.height,
                "problems": 0,
                "detail": '{"kind": "absence"}',
            },
        )
    return int(frame.height)


def load_absences(store: Any, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """The absence episodes loaded for one census, in analytics.absence's ABSENCE_SCHEMA (plus the census
    date and organisation), scoped like the staff reads."""
    q = select(absences.c.census_date, *(absences.c[c] for c in COLUMNS)).where(
        absences.c.census_date == census_date
    )
    if scope is not None and scope.kind == "organisation":
        q = q.where(absences.c.organisation_code == scope.code)
    elif scope is not None and scope.kind == "region":
        region_orgs = select(organisations.c.code).where(organisations.c.region_code == scope.code)
        q = q.where(absences.c.organisation_code.in_(region_orgs))
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    # SQLAlchemy's Date type hands back dates on both SQLite and PostgreSQL.
    return pl.DataFrame([tuple(r) for r in rows], schema=SCHEMA, orient="row")


def absence_census_dates(store: Any) -> list[date]:
    """Census dates with an absence extract loaded, oldest first."""
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "absences"):
            return []
        rows = conn.execute(select(absences.c.census_date).distinct().order_by(absences.c.census_date)).all()
    out = []
    for (v,) in rows:
        out.append(
            v.date()
            if isinstance(v, datetime)
            else v
            if isinstance(v, date)
            else date.fromisoformat(str(v)[:10])
        )
    return out


def absence_counts(store: Any) -> dict[date, int]:
    """Episodes loaded per census date (for tests and the import message)."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(absences.c.census_date, func.count()).group_by(absences.c.census_date)
        ).all()
    return {(v if isinstance(v, date) else date.fromisoformat(str(v)[:10])): int(n) for v, n in rows}
