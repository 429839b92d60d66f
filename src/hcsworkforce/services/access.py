"""Who may see what, in one place for every service: scope checks, suppression thresholds and peer limits.

Every service takes the caller's Scope. A filter outside it is refused (OutOfScope, HTTP 403, the value not
echoed), never silently widened; an output that can show more than one organisation suppresses small counts;
an organisation user sees peer aggregates only where the peer group is large enough not to give others away.
"""

from __future__ import annotations

import re

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.cache import results_cache, store_version
from hcsworkforce.store import Store

# An organisation user sees the peer group's aggregates (pooled rate, limits, quartiles) only where the group
# has at least this many organisations: with two or three peers, the pooled rate and quartiles less the
# user's own figures come close to another organisation's rate.
MIN_PEERS = 5
ODS_RE = re.compile(r"^[A-Z0-9]{3,6}$")


class OutOfScope(Exception):
    """A filter names a region or organisation outside the user's scope (403; the value is not echoed)."""


def scoped(df: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    """The rows of a frame (with organisation_code and region_code) that the scope covers."""
    if scope.kind == "national":
        return df
    if scope.kind == "region" and "region_code" not in df.columns:
        raise ValueError("a region scope needs region_code on the frame")
    return df.filter(scope.filter_expr())


def suppression_for(scope: Scope, threshold: int) -> int:
    """Outputs that can show more than one organisation suppress small counts; one organisation's own do not."""
    return threshold if scope.crosses_organisations() else 0


def check_filters(scope: Scope, filters: dict[str, str], organisations: pl.DataFrame) -> None:
    """Refuse a region or organisation filter outside the scope (organisations: the store's, with regions)."""
    if scope.kind == "national":
        return
    region_of = dict(zip(organisations["organisation_code"], organisations["region_code"], strict=True))
    org = filters.get("organisation")
    region = filters.get("region")
    if scope.kind == "organisation":
        own_region = region_of.get(scope.code)
        if (org and org != scope.code) or (region and region != own_region):
            raise OutOfScope
    elif scope.kind == "region" and (
        (region and region != scope.code) or (org and region_of.get(org) != scope.code)
    ):
        raise OutOfScope


def region_of(store: Store) -> dict[str, str | None]:
    """ODS code -> region code, of every organisation the store knows (reference and loaded)."""

    def make() -> dict[str, str | None]:
        orgs = store.organisations()
        out: dict[str, str | None] = {c: t.region_code for c, t in reference.trusts().items()}
        out.update(dict(zip(orgs["organisation_code"], orgs["region_code"], strict=True)))
        return out

    return results_cache.get(("region_of", store_version(store)), make)


def check_code(kind: str, code: str | None) -> str | None:
    """A region or ODS code as typed, upper-cased and checked for shape (the value is cut in messages)."""
    if not code:
        return None
    code = code.strip().upper()
    if kind == "region" and code not in reference.regions():
        raise UserInputError(
            Problem("is not an NHS England region", column="region", value=code[:10], expected="Y56 to Y63")
        )
    if kind == "organisation" and not ODS_RE.match(code):
        raise UserInputError(
            Problem("is not an ODS code", column="organisation", value=code[:10], expected="e.g. RGT")
        )
    return code


def view_scope(store: Store, scope: Scope, region: str | None, organisation: str | None) -> Scope:
    """The part of the data a view covers: the user's scope narrowed by a region or organisation filter.

    A filter outside the user's scope is refused (403), never silently widened; an organisation user's view is
    always their own organisation (a region filter naming their own region does not widen it)."""
    region = check_code("region", region)
    organisation = check_code("organisation", organisation)
    filters = {k: v for k, v in (("region", region), ("organisation", organisation)) if v}
    if scope.kind != "national" and filters:
        regions = region_of(store)
        if scope.kind == "organisation":
            if (organisation and organisation != scope.code) or (
                region and region != regions.get(scope.code or "")
            ):
                raise OutOfScope
        elif (region and region != scope.code) or (organisation and regions.get(organisation) != scope.code):
            raise OutOfScope
    if scope.kind == "organisation":
        return scope
    if organisation:
        return Scope("organisation", organisation)
    if region:
        return Scope("region", region)
    return scope


def describe(scope: Scope) -> str:
    """England, a region's name or an organisation's name: what a title says the figures cover."""
    if scope.kind == "national":
        return "England"
    return label(scope.kind, scope.code)


def dimension_options(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """The values a filter may take, limited to what the user's scope allows."""
    regions = sorted(reference.regions().items(), key=lambda kv: kv[1])
    trusts = sorted(reference.trusts().values(), key=lambda o: o.name)
    if scope.kind == "region":
        regions = [r for r in regions if r[0] == scope.code]
        trusts = [o for o in trusts if o.region_code == scope.code]
    elif scope.kind == "organisation":
        org = reference.trusts().get(scope.code or "")
        regions = [r for r in regions if org and r[0] == org.region_code]
        trusts = [o for o in trusts if o.code == scope.code]
    return {
        "region": regions,
        "organisation": [(o.code, label("organisation", o.code)) for o in trusts if not o.closed],
        "division": sorted(reference.divisions().items(), key=lambda kv: kv[1]),
        "specialism": sorted(
            ((s.id, s.name) for s in reference.specialisms().values()), key=lambda kv: kv[1]
        ),
        "career_level": [
            (lv.id, lv.name) for lv in sorted(reference.career_levels().values(), key=lambda x: x.order)
        ],
        "afc_band": [(b, f"Band {b}") for b in reference.bands()],
    }


# -- what a role may do (accounts, imports, jobs) -------------------------------------------------------------
class NotPermitted(Exception):
    """The user's role may not do this at all (HTTP 403 with the message; the CLI has no roles)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


UPLOAD_REFUSED = (
    "Region users cannot load extracts: each trust loads its own, or a national user loads a whole census."
)


def may_upload(scope: Scope) -> bool:
    """National users load whole censuses; an organisation user loads their own organisation's rows of a
    census that exists (any row of another organisation is refused with its row number). A region user's
    extract would hold several trusts: each trust loads its own, or a national user loads all."""
    return scope.kind in ("national", "organisation")


def check_upload(scope: Scope) -> None:
    if not may_upload(scope):
        raise NotPermitted(UPLOAD_REFUSED)


def check_audit_reader(scope: Scope) -> None:
    """The audit log names users of every scope: national users only."""
    if scope.kind != "national":
        raise NotPermitted("Only national users can read the audit log.")


def survey_suppression(requested: int, installation: int) -> int:
    """Survey groups (and comparisons) with fewer respondents than this are suppressed: the threshold asked
    for (11 by default, analytics.engagement), never below the installation's own (settings.suppress_below)."""
    return max(requested, installation)


# -- benchmark quartiles and the published figures (profile family) ------------------------------------------
def min_organisations_for_quartiles(suppress_below: int) -> int:
    """National quartiles across organisations are shown only where at least this many organisations have the
    figure (with fewer, a quartile comes close to one organisation's own figure)."""
    return max(suppress_below, 3)


def published_benchmark_organisation(
    scope: Scope, organisation: str | None, region_of_org: str | None
) -> str:
    """The organisation a census-beside-published view is of: an organisation user's own; for anyone else the
    one asked for (an ODS code, upper-cased), which must be in a region user's region (region_of_org: its
    region, from the trusts list in effect)."""
    if scope.kind == "organisation":
        if organisation and organisation.strip().upper() != scope.code:
            raise OutOfScope
        return str(scope.code)
    if not organisation:
        raise UserInputError(
            Problem("no organisation chosen", column="organisation", expected="an ODS code such as RGT")
        )
    if scope.kind == "region" and region_of_org != scope.code:
        raise OutOfScope
    return organisation.strip().upper()


# -- funnels: whose rows a user sees, and when the peers' aggregates are shown ----------------------------------
# What an organisation user keeps of their own row where the peer group is too small for its aggregates.
OWN_ONLY_KEYS = ("organisation", "organisation_label", "peer_group", "numerator", "denominator", "rate")


def sees_organisation(
    scope: Scope, organisation: str, region: str | None, regions: dict[str, str | None]
) -> bool:
    """May this scope see an organisation's own figures (a funnel row or point)? Everyone's to national users,
    a region's organisations to its users, their own organisation only to an organisation's users: others are
    never named or drawn for them, not even anonymised, because a point's denominator is close to an
    organisation's size."""
    if scope.kind == "national":
        return True
    if scope.kind == "organisation":
        return organisation == scope.code
    return region == scope.code or regions.get(organisation) == scope.code


def peer_aggregates_shown(scope: Scope, peer_organisations: int | None) -> bool:
    """An organisation user sees a peer group's pooled rate, limits, ranks and quartiles only where the group
    has at least MIN_PEERS organisations."""
    return scope.kind != "organisation" or (peer_organisations or 0) >= MIN_PEERS


def funnel_peers(scope: Scope, peers: str) -> str:
    """nation, region, or (national users only) a comma list of ODS codes: an aggregate over a few peers a user
    chose would come close to another organisation's rate."""
    p = peers.strip()
    if p.lower() in ("nation", "region"):
        return p.lower()
    if scope.kind != "national" or not p:
        raise UserInputError(
            Problem("is not a peer group", column="peers", value=p[:20], expected="nation or region")
        )
    return p


def funnel_region(store: Store, scope: Scope, region: str | None) -> str | None:
    """The region whose funnel a regional comparison shows: an organisation user's own, a region user's own,
    or the one a national user asks for (None: every region's). Another region is refused (403)."""
    region = check_code("region", region)
    if region and scope.kind != "national":
        view_scope(store, scope, region, None)
    if scope.kind == "organisation":
        return region_of(store).get(scope.code or "")
    if scope.kind == "region":
        return scope.code
    return region
