"""The people job: key posts vacant or ending within a scope (`hcs people gaps`, the key people page and
/api/v1/people/gaps), and the key-people directory itself (`hcs people import`, `add`, `list`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from hcsworkforce import reference
from hcsworkforce.analytics import people as pp
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.directory import DirectoryFile, read_entry, resolve_region
from hcsworkforce.model.people import DirectoryEntry
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import region_of, view_scope
from hcsworkforce.services.cache import data_version, load_frames
from hcsworkforce.store import Store
from hcsworkforce.store.tables_engagement import read_key_people, write_key_people

MAX_ENDING_WITHIN_DAYS = 3650
# Which organisations need leads: those employing staff in the latest census, every open NHS trust, or a list.
Organisations = Literal["employing", "all"] | tuple[str, ...]


def parse_organisations(text: str | None) -> Organisations:
    """`employing`, `all`, or comma-separated ODS codes, as both doors take them."""
    choice = (text or "employing").strip().lower()
    if choice in ("employing", "all"):
        return "employing" if choice == "employing" else "all"
    codes = tuple(c.strip().upper() for c in choice.split(",") if c.strip())
    bad = [c for c in codes if not reference.ODS_CODE_RE.match(c)]
    if bad or not codes:
        raise UserInputError(
            Problem(
                "are not ODS codes",
                column="organisations",
                value=", ".join(bad)[:80],
                expected="employing, all, or codes such as RGT,R0A",
            )
        )
    return codes


@dataclass(frozen=True)
class PeopleQuery:
    """region (code or name) and organisation narrow the caller's scope; organisations: which organisations need
    leads; as_of: the day checked (default today); ending_within_days: how far ahead a term ending is warned of;
    include_filled: list filled posts too."""

    region: str | None = None
    organisation: str | None = None
    organisations: Organisations = "employing"
    as_of: date | None = None
    ending_within_days: int = 90
    include_filled: bool = False


@dataclass
class PeopleResult:
    as_of: date
    scope: Scope
    directory_loaded: bool
    required: int
    posts: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    ending_within_days: int
    notes: list[str] = field(default_factory=list)

    @property
    def vacant(self) -> int:
        return sum(1 for p in self.posts if p["status"] == "vacant")

    @property
    def ending(self) -> int:
        return sum(1 for p in self.posts if p["status"] == "ending")

    title = "Key people: vacant and ending posts"

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "directory_loaded": self.directory_loaded,
            "required": self.required,
            "vacant": self.vacant,
            "ending": self.ending,
            "posts": self.posts,
            "by_region": self.by_region,
            "notes": self.notes,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.posts

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Posts", self.posts), ("By region", self.by_region)]


def _census_day(store: Store) -> date:
    """The date key posts are checked on by default: the latest census's, never the clock's (the board pack and
    the census's staff describe that day)."""
    version = data_version(store)
    if version is None:
        raise UserInputError(
            Problem(
                "no census is loaded to date the check",
                column="as_of",
                expected="a date to check key posts on (--as-of YYYY-MM-DD), or import a census first",
            )
        )
    return version[3]  # type: ignore[no-any-return]


def _organisations_needing_leads(store: Store, which: Organisations) -> dict[str, str | None]:
    """ODS code -> region code of the organisations that must have a lead and a board member."""
    regions = region_of(store)
    if which == "all":
        return {c: t.region_code for c, t in reference.trusts().items() if not t.closed}
    if which == "employing":
        version = data_version(store)
        if version is None:
            raise UserInputError(
                "no census loaded, so no way to tell which organisations employ healthcare scientists: "
                "import one (`hcs import FILE`), or ask for all organisations (--organisations all) or a list "
                "of ODS codes"
            )
        staff = load_frames(store, version).staff
        pairs = staff.select("organisation_code", "region_code").unique().iter_rows()
        return {code: reg or regions.get(code) for code, reg in pairs}
    return {c: regions.get(c) for c in which}


def _in_view(vs: Scope, own_region: str | None) -> Any:
    """Whether a required post is inside the view: an organisation sees its own posts and its region's lead."""

    def test(p: pp.RequiredPost) -> bool:
        if vs.kind == "national":
            return True
        if vs.kind == "region":
            return p.region_code == vs.code
        return (p.scope == "organisation" and p.scope_code == vs.code) or (
            p.scope == "region" and p.scope_code == own_region
        )

    return test


def run(store: Store, query: PeopleQuery, scope: Scope = NATIONAL) -> PeopleResult:
    """Key posts vacant, or whose holder's term ends within `ending_within_days` with no successor recorded, on
    `as_of`, limited to the view's scope: an organisation user sees their own organisation's posts and their
    region's lead; a region user their region's organisations, lead and networks."""
    if not 0 <= query.ending_within_days <= MAX_ENDING_WITHIN_DAYS:
        raise UserInputError(
            Problem(
                "is out of range",
                column="ending_within",
                value=str(query.ending_within_days),
                expected=f"0 to {MAX_ENDING_WITHIN_DAYS} days",
            )
        )
    region = (resolve_region(query.region) or query.region) if query.region else None
    vs = view_scope(store, scope, region, query.organisation)
    entries = read_key_people(store)
    own_region = region_of(store).get(vs.code or "") if vs.kind == "organisation" else None
    required = [
        p
        for p in pp.required_posts(_organisations_needing_leads(store, query.organisations))
        if _in_view(vs, own_region)(p)
    ]
    day = query.as_of or _census_day(store)
    posts = pp.people_gaps(
        entries,
        required,
        as_of=day,
        ending_within_days=query.ending_within_days,
        include_filled=query.include_filled,
    )
    roles = pp.key_roles()
    regions = reference.regions()
    for p in posts:
        p["role_name"] = roles[p["role"]].name if p["role"] in roles else None
        p["region_name"] = regions.get(p["region_code"] or "")
    result = PeopleResult(
        as_of=day,
        scope=vs,
        directory_loaded=bool(entries),
        required=len(required),
        posts=posts,
        by_region=pp.gaps_by_region(posts),
        ending_within_days=query.ending_within_days,
    )
    result.notes = [
        f"On {day.isoformat()}: {result.vacant} of {len(required)} required key posts vacant, {result.ending} "
        f"ending within {query.ending_within_days} days with no successor recorded.",
        "Required: a trust healthcare science lead and a board member for healthcare science in every "
        "organisation employing healthcare scientists (in the latest census); a regional MSC lead per region; "
        "a lead per network (reference/data/key_roles.csv; the network list is illustrative until a region "
        "loads its own).",
    ]
    if not entries:
        result.notes.insert(
            0, "No key-people directory is loaded (`hcs people import FILE`), so every post shows vacant."
        )
    return result


# -- the directory -----------------------------------------------------------------------------------------


@dataclass
class DirectoryLoad:
    entries: int
    new: int
    replaced: int
    replace_all: bool

    def summary(self) -> str:
        verb = "replacing the directory's" if self.replace_all else "updating"
        return f"Loaded {self.entries:,} directory entries ({self.new:,} new, {verb} {self.replaced:,})."


def load_directory(store: Store, directory: DirectoryFile, *, replace_all: bool = False) -> DirectoryLoad:
    """Write a validated directory file in one transaction: add and update entries, or replace them all."""
    new, replaced = write_key_people(store, directory.entries, directory.file, replace_all=replace_all)
    return DirectoryLoad(len(directory.entries), new, replaced, replace_all)


def add_entry(store: Store, fields: dict[str, str | None]) -> DirectoryEntry:
    """Add or update one person in a key role, checked by the same rules as a directory file's rows (the same
    role, place, name and start date updates the entry)."""
    entry = read_entry(fields)
    write_key_people(store, [entry], None)
    return entry


@dataclass
class DirectoryResult:
    entries: list[DirectoryEntry]
    notes: list[str] = field(default_factory=list)
    title = "Key people directory"

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "role": e.role,
                "scope_code": e.scope_code,
                "name": e.name,
                "email": e.email,
                "from": e.valid_from,
                "to": e.valid_to,
            }
            for e in self.entries
        ]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Directory", self.records())]

    def to_json(self) -> dict[str, Any]:
        return {"people": self.records()}


def directory(store: Store) -> DirectoryResult:
    """Everyone in the directory, past and present (`hcs people list`)."""
    return DirectoryResult(read_key_people(store))
