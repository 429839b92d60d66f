"""Read a key-people directory (CSV or XLSX): who holds which key role for which organisation, region or
network, and from when to when. Validated completely before anything is returned, as the main import is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics.people import key_roles
from hcsworkforce.ingest.reader import ROW_COL, RawTable, read_table
from hcsworkforce.ingest.survey import Collector, map_headers, norm_header
from hcsworkforce.model.people import DirectoryEntry

COLUMNS: dict[str, tuple[str, ...]] = {
    "role": ("key role", "position", "post"),
    "organisation_code": ("organisation", "ods_code", "org_code", "trust code", "trust"),
    "region_code": ("region", "nhs england region", "region name"),
    "network": ("network_id", "network id", "network name"),
    "name": ("person", "full name", "holder"),
    "email": ("email address", "e-mail", "mail"),
    "from": ("valid_from", "start", "start date", "from date", "date from"),
    "to": ("valid_to", "end", "end date", "to date", "date to"),
}
REQUIRED = ("role", "name")

_ROLE_ALIASES = {
    "trust healthcare science lead": "trust_hcs_lead",
    "healthcare science lead": "trust_hcs_lead",
    "hcs lead": "trust_hcs_lead",
    "lead scientist": "trust_hcs_lead",
    "board member": "board_hcs_member",
    "board lead": "board_hcs_member",
    "board member responsible for healthcare science": "board_hcs_member",
    "msc lead": "regional_msc_lead",
    "letb msc lead": "regional_msc_lead",
    "regional msc lead": "regional_msc_lead",
    "regional workforce lead": "regional_msc_lead",
    "network lead": "network_lead",
}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SCOPE_COLUMN = {"organisation": "organisation_code", "region": "region_code", "network": "network"}


def resolve_role(text: str) -> str | None:
    roles = key_roles()
    key = norm_header(text)
    for r in roles.values():
        if key in (norm_header(r.id), norm_header(r.name)):
            return r.id
    return _ROLE_ALIASES.get(key)


def resolve_region(text: str) -> str | None:
    regions = reference.regions()
    code = text.strip().upper()
    if code in regions:
        return code
    by_name = {norm_header(n): c for c, n in regions.items()}
    return by_name.get(norm_header(text))


def parse_date(text: str) -> date | None:
    """ISO dates, and the day-first dates a UK spreadsheet writes (31/03/2025)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class DirectoryFile:
    entries: list[DirectoryEntry]
    file: str


def read_directory(path: Path, display_name: str | None = None) -> DirectoryFile:
    """Validate a directory file completely; raise UserInputError with every problem, or return it all."""
    return _validate(read_table(path, display_name))


def read_entry(fields: dict[str, str | None], display_name: str = "the command line") -> DirectoryEntry:
    """One entry given field by field (role, organisation_code, region_code, network, name, email, from, to),
    checked by the same rules as a file's rows."""
    values = {k: fields.get(k) or "" for k in COLUMNS}
    frame = pl.DataFrame({**{k: [v] for k, v in values.items()}, ROW_COL: [2]})
    raw = RawTable(frame=frame, headers=list(COLUMNS), file=display_name, encoding="utf-8", delimiter=None)
    return _validate(raw).entries[0]


def _validate(raw: RawTable) -> DirectoryFile:
    cols = map_headers(raw.headers, COLUMNS, REQUIRED, raw.file)
    bad = Collector(raw.file)
    roles = key_roles()
    out: list[DirectoryEntry] = []
    for rec in raw.frame.iter_rows(named=True):
        row = int(rec[ROW_COL])

        def cell(canon: str, rec: dict[str, Any] = rec) -> str:
            h = cols.get(canon)
            v = rec.get(h) if h else None
            return "" if v is None else str(v).strip()

        before = bad.total
        role = resolve_role(cell("role"))
        if role is None:
            bad.add("not a key role", row, "role", cell("role"), ", ".join(roles))
        scope_code: str | None = None
        if role is not None:
            scope = roles[role].scope
            column = _SCOPE_COLUMN[scope]
            text = cell(column)
            if not text:
                bad.add(
                    f"a {roles[role].name} needs the {scope} it serves",
                    row,
                    column,
                    None,
                    f"the {column} of this {scope}",
                )
            elif scope == "organisation":
                scope_code = text.upper() if reference.ODS_CODE_RE.match(text.upper()) else None
                if scope_code is None:
                    bad.add("not an ODS code", row, column, text, "an organisation code such as RGT")
            elif scope == "region":
                scope_code = resolve_region(text)
                if scope_code is None:
                    bad.add(
                        "not an NHS England region",
                        row,
                        column,
                        text,
                        "a region code (Y56-Y63) or name such as London",
                    )
            else:
                scope_code = text
        name = cell("name")
        if not name:
            bad.add("the name is empty", row, "name", None, "the name of the person in post")
        email = cell("email") or None
        if email is not None and not _EMAIL_RE.match(email):
            bad.add("not an email address", row, "email", email, "an address such as name@nhs.net")
        start = parse_date(cell("from")) if cell("from") else None
        end = parse_date(cell("to")) if cell("to") else None
        if cell("from") and start is None:
            bad.add("not a date", row, "from", cell("from"), "a date such as 2025-04-01 or 01/04/2025")
        if cell("to") and end is None:
            bad.add("not a date", row, "to", cell("to"), "a date such as 2026-03-31 or 31/03/2026")
        if start is not None and end is not None and end < start:
            bad.add("ends before it starts", row, "to", cell("to"), f"a date on or after {start.isoformat()}")
        if bad.total > before:
            continue
        assert role is not None and scope_code is not None
        out.append(DirectoryEntry(role, scope_code, name, email, start, end))
    if raw.frame.height == 0:
        bad.add("the file has a header but no rows", 2, "role", None, "at least one person")
    bad.raise_if_any()
    return DirectoryFile(out, raw.file)
