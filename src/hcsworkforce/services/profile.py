"""The workforce profile as a service: one result for the CLI, the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hcsworkforce.analytics.profile import label_dimension, profile
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.store import Store


@dataclass
class ProfileResult:
    census_date: date
    by: list[str]
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    suppress_below: int
    scope: Scope
    data_quality: list[dict[str, Any]] = field(default_factory=list)
    source_file: str | None = None
    has_establishment: bool = False
    has_leaver_data: bool = False

    def labelled_rows(self) -> list[dict[str, Any]]:
        """Rows with readable names beside codes (specialism name, region name ...) for tables and pages."""
        out = []
        for r in self.rows:
            row = dict(r)
            for d in self.by:
                if d in ("specialism", "region", "division", "career_level"):
                    row[f"{d}_name"] = label_dimension(d, r[d])
            out.append(row)
        return out


def run_profile(
    store: Store,
    by: list[str],
    *,
    census_date: date | None = None,
    scope: Scope = NATIONAL,
    suppress_below: int = 0,
) -> ProfileResult:
    info = store.census_info(census_date)
    if info is None:
        if census_date:
            dates = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
            raise UserInputError(
                f"there is no census dated {census_date.isoformat()} (censuses loaded: {dates})"
            )
        raise UserInputError("no workforce extract has been imported yet: run `hcs import FILE` first")
    cdate = info["census_date"]
    staff = store.staff(cdate, scope)
    leavers = store.leavers(cdate, scope)
    est = store.establishment(cdate, scope)
    has_leavers = bool(info["has_leaver_data"])
    rows = profile(staff, leavers, est, by, cdate, has_leaver_data=has_leavers, suppress_below=suppress_below)
    total = profile(
        staff, leavers, est, [], cdate, has_leaver_data=has_leavers, suppress_below=suppress_below
    )
    return ProfileResult(
        census_date=cdate,
        by=by,
        rows=rows,
        total=total[0] if total else {},
        suppress_below=suppress_below,
        scope=scope,
        data_quality=_findings(info["data_quality"], scope),
        source_file=info.get("source_file"),
        has_establishment=est.height > 0,
        has_leaver_data=has_leavers,
    )


def _findings(quality: dict[str, Any], scope: Scope) -> list[dict[str, Any]]:
    """The data-quality findings that concern this view: a whole-census import's, or, where trusts loaded
    their own rows, the findings of the organisations in scope (each labelled with its organisation)."""
    per_org: dict[str, Any] = quality.get("by_organisation", {})
    if scope.kind == "organisation" and scope.code in per_org:
        return list(per_org[scope.code].get("findings", []))
    found = list(quality.get("findings", []))
    for org, q in sorted(per_org.items()):
        if scope.kind == "organisation":
            continue
        found += [{**f, "detail": f"{org}: {f['detail']}"} for f in q.get("findings", [])]
    return found
