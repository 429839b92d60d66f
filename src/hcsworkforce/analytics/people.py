"""Key people: the roles that must exist (trust healthcare science lead, board member, regional MSC lead,
network leads) and which of them are vacant on a date, from a directory of who holds what and when.

The roles and where they are required are reference data (``key_roles.csv``); the networks are
``hcs_networks.csv`` unless the caller passes its own list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hcsworkforce import reference
from hcsworkforce.model.people import DirectoryEntry as DirectoryEntry  # the directory record, named here too

SCOPES = ("organisation", "region", "network")


@dataclass(frozen=True)
class KeyRole:
    id: str
    name: str
    scope: str  # organisation, region or network
    required: str
    source: str
    verified: str


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    region_code: str | None
    division_id: str | None


@dataclass(frozen=True)
class RequiredPost:
    role: str
    scope: str
    scope_code: str
    scope_name: str
    region_code: str | None


def key_roles() -> dict[str, KeyRole]:
    return {
        r["id"]: KeyRole(r["id"], r["name"], r["scope"], r["required"], r["source"], r["verified"])
        for r in reference.read_table("key_roles")
    }


def networks() -> list[Network]:
    return [
        Network(r["id"], r["name"], r["region_code"] or None, r["division_id"] or None)
        for r in reference.read_table("hcs_networks")
    ]


def required_posts(
    organisations: Mapping[str, str | None],
    *,
    regions: Mapping[str, str] | None = None,
    network_list: Sequence[Network] | None = None,
    roles: Mapping[str, KeyRole] | None = None,
) -> list[RequiredPost]:
    """Every post that must be filled: each organisation-scoped role for each organisation that employs
    healthcare scientists (``organisations``: ODS code -> region code), each region-scoped role for each
    region, each network-scoped role for each network."""
    roles = key_roles() if roles is None else roles
    regions = reference.regions() if regions is None else regions
    nets = networks() if network_list is None else network_list
    trusts = reference.trusts()
    out: list[RequiredPost] = []
    for role in roles.values():
        if role.scope == "organisation":
            for code, region in sorted(organisations.items()):
                name = trusts[code].name if code in trusts else code
                out.append(RequiredPost(role.id, role.scope, code, name, region))
        elif role.scope == "region":
            for code, name in sorted(regions.items()):
                out.append(RequiredPost(role.id, role.scope, code, name, code))
        elif role.scope == "network":
            for n in sorted(nets, key=lambda n: n.id):
                out.append(RequiredPost(role.id, role.scope, n.id, n.name, n.region_code))
    return out


def people_gaps(
    entries: Iterable[DirectoryEntry],
    required: Iterable[RequiredPost],
    *,
    as_of: date,
    ending_within_days: int = 90,
    include_filled: bool = False,
) -> list[dict[str, Any]]:
    """Each required post's status on ``as_of``: vacant, ending (the holder's term ends within
    ``ending_within_days`` and no successor is recorded) or filled (listed only with ``include_filled``).

    A successor counts where an entry for the same post starts no later than the day after the current
    holder's term ends, so a planned hand-over is not reported as a gap.
    """
    by_post: dict[tuple[str, str], list[DirectoryEntry]] = {}
    for e in entries:
        by_post.setdefault((e.role, e.scope_code), []).append(e)
    horizon = as_of + timedelta(days=ending_within_days)
    out: list[dict[str, Any]] = []
    for post in required:
        held = by_post.get((post.role, post.scope_code), [])
        current = [e for e in held if e.holds_on(as_of)]
        status = "vacant"
        holder: DirectoryEntry | None = None
        if current:
            # The holder whose term runs longest speaks for the post (several may share it).
            holder = max(current, key=lambda e: e.valid_to or date.max)
            status = "filled"
            end = holder.valid_to
            if end is not None and end <= horizon:
                successor = any(
                    e is not holder
                    and e.valid_from is not None
                    and as_of < e.valid_from <= end + timedelta(days=1)
                    for e in held
                )
                status = "filled" if successor else "ending"
        if status == "filled" and not include_filled:
            continue
        out.append(
            {
                "role": post.role,
                "scope": post.scope,
                "scope_code": post.scope_code,
                "scope_name": post.scope_name,
                "region_code": post.region_code,
                "status": status,
                "holder": holder.name if holder else None,
                "holder_until": holder.valid_to if holder else None,
                "last_holder": _last_holder(held, as_of) if holder is None else None,
            }
        )
    return out


def _last_holder(held: Sequence[DirectoryEntry], as_of: date) -> str | None:
    past = [e for e in held if e.valid_to is not None and e.valid_to < as_of]
    return max(past, key=lambda e: e.valid_to or date.min).name if past else None


def gaps_by_region(gaps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vacant and ending posts counted per region and role: the summary a regional lead reads first."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for g in gaps:
        if g["status"] == "filled":
            continue
        key = (g["region_code"] or "unknown", g["role"])
        c = counts.setdefault(key, {"vacant": 0, "ending": 0})
        c[g["status"]] += 1
    regions = reference.regions()
    return [
        {"region_code": r, "region_name": regions.get(r), "role": role, **c}
        for (r, role), c in sorted(counts.items())
    ]
