"""The key people job: key posts vacant or ending within a scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.access import (
    region_of,
    view_scope,
)
from hcsworkforce.services.cache import data_version, load_frames
from hcsworkforce.store import Store


@dataclass
class PeopleView:
    as_of: date
    scope: Scope
    loaded: bool  # a directory has been loaded
    required: int
    posts: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    ending_within_days: int
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "directory_loaded": self.loaded,
            "required": self.required,
            "vacant": sum(1 for p in self.posts if p["status"] == "vacant"),
            "ending": sum(1 for p in self.posts if p["status"] == "ending"),
            "posts": self.posts,
            "by_region": self.by_region,
            "notes": self.notes,
        }


def people_gaps(
    store: Store,
    scope: Scope,
    *,
    region: str | None,
    organisation: str | None,
    as_of: date | None,
    ending_within_days: int,
    include_filled: bool,
) -> PeopleView:
    """Key posts vacant or ending (`hcs people gaps` over the organisations employing healthcare scientists in
    the latest census), limited to the view's scope: an organisation user sees their own organisation's posts
    and their region's lead; a region user their region's organisations, lead and networks."""
    from hcsworkforce.analytics import people as pp
    from hcsworkforce.ingest.directory import from_store_rows
    from hcsworkforce.store.tables_engagement import read_key_people

    if not 0 <= ending_within_days <= 3650:
        raise UserInputError(
            Problem(
                "is out of range", column="ending_within", value=str(ending_within_days), expected="0 to 3650"
            )
        )
    vs = view_scope(store, scope, region, organisation)
    day = as_of or date.today()
    entries = from_store_rows(read_key_people(store))
    version = data_version(store)
    orgs: dict[str, str | None] = {}
    if version is not None:
        staff = load_frames(store, version).staff
        regions = region_of(store)
        for code, reg in staff.select("organisation_code", "region_code").unique().iter_rows():
            orgs[code] = reg or regions.get(code)
    required = pp.required_posts(orgs)
    own_region = region_of(store).get(vs.code or "") if vs.kind == "organisation" else None

    def in_view(p: Any) -> bool:
        if vs.kind == "national":
            return True
        if vs.kind == "region":
            return bool(p.region_code == vs.code)
        return bool(
            (p.scope == "organisation" and p.scope_code == vs.code)
            or (p.scope == "region" and p.scope_code == own_region)
        )

    required = [p for p in required if in_view(p)]
    posts = pp.people_gaps(
        entries, required, as_of=day, ending_within_days=ending_within_days, include_filled=include_filled
    )
    for p in posts:
        p["role_name"] = pp.key_roles().get(p["role"], None) and pp.key_roles()[p["role"]].name
        p["region_name"] = reference.regions().get(p["region_code"] or "")
    vacant = sum(1 for g in posts if g["status"] == "vacant")
    ending = sum(1 for g in posts if g["status"] == "ending")
    notes = [
        f"On {day.isoformat()}: {vacant} of {len(required)} required key posts vacant, {ending} ending within "
        f"{ending_within_days} days with no successor recorded.",
        "Required: a trust healthcare science lead and a board member for healthcare science in every "
        "organisation employing healthcare scientists (in the latest census); a regional MSC lead per region; "
        "a lead per network (reference/data/key_roles.csv).",
    ]
    if not entries:
        notes.insert(
            0, "No key-people directory is loaded (`hcs people import FILE`), so every post shows vacant."
        )
    return PeopleView(
        day, vs, bool(entries), len(required), posts, pp.gaps_by_region(posts), ending_within_days, notes
    )
