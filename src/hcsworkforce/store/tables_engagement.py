"""Tables of staff survey results and the key-people directory, with the few reads and writes they need; the
rows go in and come out as the model's records (SurveyResult, DirectoryEntry).

A re-import of survey results replaces the rows with the same organisation, group, question and year, so
importing a file twice changes nothing. Directory rows are keyed by role, scope, person and start date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    insert,
    select,
)

from hcsworkforce.model.engagement import SurveyResult
from hcsworkforce.model.people import DirectoryEntry
from hcsworkforce.store.tables import metadata

survey_results = Table(
    "survey_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("organisation_code", String(8), nullable=False),  # ODS code, or ENGLAND for a national row
    Column("staff_group", String(80), nullable=False),  # all, healthcare_scientists or a specialism id
    Column("question", String(100), nullable=False),
    Column("year", Integer, nullable=False),
    Column("respondents", Integer, nullable=False),
    Column("percent_positive", Float),
    Column("score", Float),
    Column("sd", Float),
    Column("source_file", String(500)),
    Column("imported_at", DateTime, nullable=False),
    UniqueConstraint("organisation_code", "staff_group", "question", "year", name="uq_survey_results_key"),
)

key_people = Table(
    "key_people",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("role", String(40), nullable=False),
    Column("scope_code", String(80), nullable=False),  # ODS code, region code or network id
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("source_file", String(500)),
    Column("updated_at", DateTime, nullable=False),
)
Index("ix_key_people_role_scope", key_people.c.role, key_people.c.scope_code)

SURVEY_KEY = ("organisation_code", "staff_group", "question", "year")
PEOPLE_KEY = ("role", "scope_code", "name", "valid_from")


def _engine(store: Any) -> Any:
    # The store hands over its engine; taking Any keeps this module free of a cycle with store/__init__.
    return store.engine


def _survey_row(r: SurveyResult) -> dict[str, Any]:
    return {
        "organisation_code": r.organisation_code,
        "staff_group": r.group,
        "question": r.question,
        "year": r.year,
        "respondents": r.respondents,
        "percent_positive": r.percent_positive,
        "score": r.score,
        "sd": r.sd,
    }


def replace_survey_results(store: Any, results: Sequence[SurveyResult], source_file: str) -> tuple[int, int]:
    """Write survey results in one transaction, replacing rows with the same key. Returns (new, replaced)."""
    now = datetime.now()
    rows = [_survey_row(r) for r in results]
    replaced = 0
    with _engine(store).begin() as conn:
        for r in rows:
            cond = and_(*(survey_results.c[k] == r[k] for k in SURVEY_KEY))
            replaced += conn.execute(delete(survey_results).where(cond)).rowcount or 0
        if rows:
            conn.execute(
                insert(survey_results), [{**r, "source_file": source_file, "imported_at": now} for r in rows]
            )
    return len(rows) - replaced, replaced


def read_survey_results(store: Any) -> list[SurveyResult]:
    cols = [survey_results.c[c] for c in (*SURVEY_KEY, "respondents", "percent_positive", "score", "sd")]
    with _engine(store).connect() as conn:
        rows = list(conn.execute(select(*cols)).mappings())
    return [
        SurveyResult(
            r["organisation_code"],
            r["staff_group"],
            r["question"],
            int(r["year"]),
            int(r["respondents"]),
            percent_positive=r["percent_positive"],
            score=r["score"],
            sd=r["sd"],
        )
        for r in rows
    ]


def _person_row(e: DirectoryEntry) -> dict[str, Any]:
    return {
        "role": e.role,
        "scope_code": e.scope_code,
        "name": e.name,
        "email": e.email,
        "valid_from": e.valid_from,
        "valid_to": e.valid_to,
    }


def write_key_people(
    store: Any, entries: Sequence[DirectoryEntry], source_file: str | None, *, replace_all: bool = False
) -> tuple[int, int]:
    """Write directory entries in one transaction: upsert on (role, scope, name, from), or replace the whole
    directory with ``replace_all``. Returns (new, replaced)."""
    now = datetime.now()
    rows = [_person_row(e) for e in entries]
    replaced = 0
    with _engine(store).begin() as conn:
        if replace_all:
            replaced = conn.execute(delete(key_people)).rowcount or 0
        else:
            for r in rows:
                conds = [key_people.c[k] == r[k] for k in PEOPLE_KEY if r[k] is not None]
                conds += [key_people.c[k].is_(None) for k in PEOPLE_KEY if r[k] is None]
                replaced += conn.execute(delete(key_people).where(and_(*conds))).rowcount or 0
        if rows:
            conn.execute(
                insert(key_people), [{**r, "source_file": source_file, "updated_at": now} for r in rows]
            )
    return len(rows) - replaced if not replace_all else len(rows), replaced


def _as_date(v: Any) -> date | None:
    if v is None or (isinstance(v, date) and not isinstance(v, datetime)):
        return v
    if isinstance(v, datetime):
        return v.date()
    return date.fromisoformat(str(v)[:10])


def read_key_people(store: Any) -> list[DirectoryEntry]:
    cols = [key_people.c[c] for c in ("role", "scope_code", "name", "email", "valid_from", "valid_to")]
    with _engine(store).connect() as conn:
        q = select(*cols).order_by(key_people.c.role, key_people.c.scope_code)
        rows = list(conn.execute(q).mappings())
    return [
        DirectoryEntry(
            r["role"],
            r["scope_code"],
            r["name"],
            r["email"],
            _as_date(r["valid_from"]),
            _as_date(r["valid_to"]),
        )
        for r in rows
    ]
