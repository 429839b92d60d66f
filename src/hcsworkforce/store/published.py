"""Reads and writes of the public NHS statistics (tables_published.py), and the effective trusts list.

`replace_published` writes one validated file in one transaction: for each period it reports, the earlier
import of the same publication kind, layout and period (and its rows) is replaced, so a re-import of the same
file changes nothing. Staff Survey rows that fit the project's survey table are written there too, in the same
transaction, replacing rows with the same organisation, group, question and year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Connection, Date, Float, Integer, and_, delete, func, insert, select

from hcsworkforce import reference
from hcsworkforce.store.tables import import_log
from hcsworkforce.store.tables_engagement import SURVEY_KEY, survey_results
from hcsworkforce.store.tables_published import DATA_TABLES, ods_trusts, published_imports


@dataclass(frozen=True)
class LoadedPeriod:
    kind: str
    layout: str
    publication: str
    period: date
    rows: int
    suppressed_cells: int
    replaced: bool


def _period_col(kind: str) -> str:
    return "year" if kind == "survey" else "period"


def _rows_of(pf: Any, period: date) -> pl.DataFrame:
    rows: pl.DataFrame = pf.rows
    if pf.kind == "survey":
        return rows.filter(pl.col("year") == period.year)
    return rows.filter(pl.col("period") == period)


def replace_published(store: Any, pf: Any, actor: str | None = None) -> list[LoadedPeriod]:
    """Write a validated ingest.published.PublishedFile, replacing each (kind, layout, period) it reports."""
    table = DATA_TABLES[pf.kind]
    cols = [c.name for c in table.columns if c.name != "import_id"]
    now = datetime.now()
    out: list[LoadedPeriod] = []
    with store.engine.begin() as conn:
        for period in pf.periods():
            part = _rows_of(pf, period)
            old = conn.execute(
                select(published_imports.c.id).where(
                    published_imports.c.kind == pf.kind,
                    published_imports.c.layout == pf.layout,
                    published_imports.c.period == period,
                )
            ).first()
            if old is not None:
                conn.execute(delete(table).where(table.c.import_id == old[0]))
                conn.execute(delete(published_imports).where(published_imports.c.id == old[0]))
            cells = _suppressed(pf.kind, part)
            import_id = conn.execute(
                insert(published_imports).returning(published_imports.c.id),
                {
                    "kind": pf.kind,
                    "layout": pf.layout,
                    "publication": pf.publication,
                    "period": period,
                    "source_file": pf.source_file,
                    "file_sha256": pf.file_sha256,
                    "rows": part.height,
                    "suppressed_cells": cells,
                    "period_source": pf.period_source,
                    "notes": json.dumps(pf.notes),
                    "imported_at": now,
                    "actor": actor,
                },
            ).scalar_one()
            if part.height:
                records = part.select(cols).with_columns(pl.lit(import_id).alias("import_id")).to_dicts()
                conn.execute(insert(table), records)
            out.append(
                LoadedPeriod(pf.kind, pf.layout, pf.publication, period, part.height, cells, old is not None)
            )
        if pf.kind == "survey" and pf.survey_results:
            _replace_survey_results(conn, pf.survey_results, pf.source_file, now)
        conn.execute(
            insert(import_log),
            {
                "at": now,
                "file": pf.source_file,
                "status": "loaded",
                "rows": pf.rows.height,
                "problems": 0,
                "detail": json.dumps(
                    {
                        "kind": f"published_{pf.kind}",
                        "layout": pf.layout,
                        "periods": [p.period.isoformat() for p in out],
                        "suppressed_cells": pf.suppressed_cells,
                    }
                ),
                "actor": actor,
            },
        )
    return out


def _suppressed(kind: str, df: pl.DataFrame) -> int:
    if not df.height:
        return 0
    flags = [c for c in df.columns if c.endswith("suppressed")]
    return int(sum(int(df[c].sum()) for c in flags))


def _replace_survey_results(
    conn: Connection, rows: list[dict[str, Any]], source_file: str, now: datetime
) -> None:
    for r in rows:
        conn.execute(delete(survey_results).where(and_(*(survey_results.c[k] == r[k] for k in SURVEY_KEY))))
    conn.execute(
        insert(survey_results), [{**r, "source_file": source_file, "imported_at": now} for r in rows]
    )


def list_imports(store: Any) -> list[dict[str, Any]]:
    """Every publication and period loaded, newest period first."""
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "published_imports"):
            return []
        q = select(published_imports).order_by(
            published_imports.c.kind, published_imports.c.period.desc(), published_imports.c.layout
        )
        rows = [dict(r) for r in conn.execute(q).mappings()]
    for r in rows:
        r["period"] = _as_date(r["period"])
        r["notes"] = json.loads(r["notes"] or "[]")
    return rows


def read_published(
    store: Any, kind: str, *, period: date | None = None, layout: str | None = None
) -> pl.DataFrame:
    """The rows of one kind as published, with their import's layout and publication (all periods by default;
    `period` one period). Columns as tables_published names them."""
    table = DATA_TABLES[kind]
    cols = [c for c in table.columns if c.name != "import_id"]
    q = select(
        *cols,
        published_imports.c.layout,
        published_imports.c.publication,
        published_imports.c.period.label("import_period"),
    ).select_from(table.join(published_imports, table.c.import_id == published_imports.c.id))
    if period is not None:
        q = q.where(published_imports.c.period == period)
    if layout is not None:
        q = q.where(published_imports.c.layout == layout)
    schema = {c.name: _dtype(c) for c in cols} | {
        "layout": pl.String,
        "publication": pl.String,
        "import_period": pl.Date,
    }
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(q)]
    if not rows:
        return pl.DataFrame(schema=schema)
    df = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    return df.select(
        (
            pl.col(c).cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
            if dt == pl.Date and df.schema[c] != pl.Date
            else pl.col(c).cast(dt)
        )
        for c, dt in schema.items()
    )


def periods(store: Any, kind: str) -> list[date]:
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "published_imports"):
            return []
        rows = conn.execute(
            select(published_imports.c.period).where(published_imports.c.kind == kind).distinct()
        ).all()
    return sorted(_as_date(r[0]) for r in rows)


def _dtype(column: Any) -> Any:
    if isinstance(column.type, Boolean):
        return pl.Boolean
    if isinstance(column.type, Float):
        return pl.Float64
    if isinstance(column.type, Integer):
        return pl.Int64
    if isinstance(column.type, Date):
        return pl.Date
    return pl.String


def _as_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


# -- the trusts list ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustsUpdate:
    trusts: int
    outside_england: int
    added: list[str]
    removed: list[str]
    renamed: list[str]
    newly_closed: list[str]
    region_changed: list[str]


def replace_trusts(store: Any, trusts: pl.DataFrame, source_file: str, file_sha256: str) -> TrustsUpdate:
    """Replace the refreshed trusts list with a validated etr.csv (ingest.published.etr.read_etr), in one
    transaction, and say what changed against the list in effect before."""
    before = effective_trusts(store)
    now = datetime.now()
    records = trusts.with_columns(
        pl.lit(source_file).alias("source_file"),
        pl.lit(file_sha256).alias("file_sha256"),
        pl.lit(now).alias("imported_at"),
    ).to_dicts()
    with store.engine.begin() as conn:
        conn.execute(delete(ods_trusts))
        conn.execute(insert(ods_trusts), records)
        conn.execute(
            insert(import_log),
            {
                "at": now,
                "file": source_file,
                "status": "loaded",
                "rows": len(records),
                "problems": 0,
                "detail": json.dumps({"kind": "ods_etr"}),
            },
        )
    after = effective_trusts(store)
    return TrustsUpdate(
        trusts=len(after),
        outside_england=int(trusts["region_code"].is_null().sum()),
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        renamed=sorted(c for c in set(after) & set(before) if after[c].name != before[c].name),
        newly_closed=sorted(c for c in set(after) & set(before) if after[c].closed and not before[c].closed),
        region_changed=sorted(
            c for c in set(after) & set(before) if after[c].region_code != before[c].region_code
        ),
    )


def effective_trusts(store: Any) -> dict[str, reference.Organisation]:
    """The trusts list in effect: the one refreshed from etr.csv where the database has one, else the shipped
    reference/data/trusts.csv. Trusts outside NHS England's seven regions (Welsh trusts) are left out, as in the
    shipped list; closed trusts are kept so that older extracts still resolve. The importer calls this."""
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "ods_trusts"):
            return reference.trusts()
        rows = conn.execute(select(ods_trusts).where(ods_trusts.c.region_code.is_not(None))).mappings().all()
    if not rows:
        return reference.trusts()
    regions = reference.regions()
    return {
        r["ods_code"]: reference.Organisation(
            code=r["ods_code"],
            name=r["name"],
            region_code=r["region_code"],
            region_name=regions.get(r["region_code"], ""),
            closed=_as_date(r["closed"]).isoformat() if r["closed"] else "",
        )
        for r in rows
    }


def trusts_source(store: Any) -> dict[str, Any]:
    """Where the trusts list in effect comes from: the refreshed file (name, when) or the shipped list."""
    with store.engine.connect() as conn:
        if store.engine.dialect.has_table(conn, "ods_trusts"):
            row = conn.execute(
                select(ods_trusts.c.source_file, func.max(ods_trusts.c.imported_at), func.count()).group_by(
                    ods_trusts.c.source_file
                )
            ).first()
            if row is not None:
                return {
                    "source": "etr.csv refreshed",
                    "file": row[0],
                    "imported_at": row[1],
                    "rows": int(row[2]),
                }
    return {
        "source": "shipped reference/data/trusts.csv",
        "file": None,
        "imported_at": None,
        "rows": len(reference.trusts()),
    }
