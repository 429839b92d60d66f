"""What an import keeps of discovery: leadership counts per organisation and the likely healthcare scientists
listed in other staff groups, per census, with their writes and reads.

Other staff groups' rows are never stored: only each organisation's counts (analytics.discovery
ORGANISATION_COUNT_SCHEMA) and the listed rows' spreadsheet row numbers, titles and evidence (no person key).
Rows hang off the census (ON DELETE CASCADE), and the writes take the import's own connection so that they
are part of its one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from hcsworkforce.analytics.discovery import COUNT_COLUMNS, LIKELY_SCHEMA, ORGANISATION_COUNT_SCHEMA
from hcsworkforce.model.scope import Scope
from hcsworkforce.store.tables import censuses, metadata, organisations

leadership_counts = Table(
    "leadership_counts",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_code", String(8), nullable=False),
    # Null: the extract carries no one of that staff group for the organisation (not zero).
    *(Column(c, Integer, nullable=not c.startswith("hcs_")) for c in COUNT_COLUMNS),
    Column("has_hcs_lead", Boolean, nullable=False),
)
Index(
    "ix_leadership_counts_census",
    leadership_counts.c.census_id,
    leadership_counts.c.organisation_code,
    unique=True,
)

likely_hcs_rows = Table(
    "likely_hcs_rows",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_code", String(8), nullable=False),
    Column("row_number", Integer, nullable=False),  # as a spreadsheet shows it, in the file the trust loaded
    Column("staff_group", String(100)),
    Column("category", String(20)),
    Column("occupation_code", String(20)),
    Column("job_role", String(200)),
    Column("position_title", String(300)),
    Column("area_of_work", String(200)),
    Column("matched_fields", String(100), nullable=False),  # '|' between field names
    Column("specialism_ids", Text, nullable=False),  # '|' between ids; '' for none
    Column("career_level", String(40)),
    Column("strength", String(10), nullable=False),
    Column("evidence", Text, nullable=False),
)
Index("ix_likely_hcs_rows_census", likely_hcs_rows.c.census_id, likely_hcs_rows.c.organisation_code)

_LIKELY_TEXT = [c for c in LIKELY_SCHEMA if c not in ("__row", "matched_fields", "specialism_ids")]


def write_discovery(conn: Connection, census_id: int, counts: pl.DataFrame, likely: pl.DataFrame) -> None:
    """Replace the discovery of the organisations in `counts` for one census, inside the caller's transaction
    (a trust's re-upload replaces its own rows only). `counts` is analytics.discovery.organisation_leadership's
    frame; `likely` is likely_hcs's, for the same organisations."""
    codes = counts["organisation_code"].to_list()
    for tbl in (leadership_counts, likely_hcs_rows):
        conn.execute(delete(tbl).where(tbl.c.census_id == census_id, tbl.c.organisation_code.in_(codes)))
    if counts.height:
        records = counts.select(list(ORGANISATION_COUNT_SCHEMA)).to_dicts()
        conn.execute(insert(leadership_counts), [{"census_id": census_id, **r} for r in records])
    if likely.height:
        rows = [
            {
                "census_id": census_id,
                "row_number": r["__row"],
                **{c: r[c] for c in _LIKELY_TEXT},
                "matched_fields": "|".join(r["matched_fields"]),
                "specialism_ids": "|".join(r["specialism_ids"]),
            }
            for r in likely.to_dicts()
        ]
        conn.execute(insert(likely_hcs_rows), rows)


def _census_id(conn: Connection, census_date: date) -> int | None:
    found = conn.execute(select(censuses.c.id).where(censuses.c.census_date == census_date)).first()
    return int(found[0]) if found else None


def _scoped(q: Any, tbl: Table, scope: Scope | None) -> Any:
    if scope is not None and scope.kind == "organisation":
        return q.where(tbl.c.organisation_code == scope.code)
    if scope is not None and scope.kind == "region":
        region_orgs = select(organisations.c.code).where(organisations.c.region_code == scope.code)
        return q.where(tbl.c.organisation_code.in_(region_orgs))
    return q


def read_leadership_counts(store: Any, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """One census's organisation counts (ORGANISATION_COUNT_SCHEMA), scoped like the staff reads; feed them
    to analytics.discovery.leadership_from_organisations."""
    cols = list(ORGANISATION_COUNT_SCHEMA)
    with store.engine.connect() as conn:
        cid = _census_id(conn, census_date)
        if cid is None:
            return pl.DataFrame(schema=ORGANISATION_COUNT_SCHEMA)
        q = select(*(leadership_counts.c[c] for c in cols)).where(leadership_counts.c.census_id == cid)
        rows = conn.execute(
            _scoped(q, leadership_counts, scope).order_by(leadership_counts.c.organisation_code)
        )
        data = [tuple(r) for r in rows]
    return pl.DataFrame(data, schema=ORGANISATION_COUNT_SCHEMA, orient="row")


def read_likely_hcs(store: Any, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """One census's listed rows, in likely_hcs's LIKELY_SCHEMA, scoped like the staff reads."""
    names = ["row_number", *_LIKELY_TEXT, "matched_fields", "specialism_ids"]
    with store.engine.connect() as conn:
        cid = _census_id(conn, census_date)
        if cid is None:
            return pl.DataFrame(schema=LIKELY_SCHEMA)
        q = select(*(likely_hcs_rows.c[c] for c in names)).where(likely_hcs_rows.c.census_id == cid)
        q = _scoped(q, likely_hcs_rows, scope).order_by(
            likely_hcs_rows.c.organisation_code, likely_hcs_rows.c.row_number
        )
        data = [dict(zip(names, r, strict=True)) for r in conn.execute(q)]
    out = [
        {
            **{c: d[c] for c in _LIKELY_TEXT},
            "__row": d["row_number"],
            "matched_fields": d["matched_fields"].split("|") if d["matched_fields"] else [],
            "specialism_ids": d["specialism_ids"].split("|") if d["specialism_ids"] else [],
        }
        for d in data
    ]
    return pl.DataFrame(out, schema=LIKELY_SCHEMA)
