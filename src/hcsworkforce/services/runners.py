"""The kinds of job the queue runs. Each calls an existing service; none re-implements an engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hcsworkforce.model.scope import Scope
from hcsworkforce.services import cache
from hcsworkforce.services.jobs import Progress, runner
from hcsworkforce.store import Store


@runner("import")
def run_import(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    """Validate and load an uploaded extract; on any problem nothing is written (UserInputError)."""
    from hcsworkforce.services.imports import import_extract

    path = Path(params["path"])
    est = Path(params["establishment_path"]) if params.get("establishment_path") else None
    leavers = Path(params["leavers_path"]) if params.get("leavers_path") else None
    progress(0.1, "Reading and checking the extract")
    trust = scope.kind == "organisation"
    try:
        census = date.fromisoformat(params["census_date"]) if params.get("census_date") else None
        # A trust adds its rows to a census others see: the one it chose, else its report's own date, else
        # the latest.
        latest = (
            store.census_dates()[-1] if trust and store.is_initialised() and store.census_dates() else None
        )
        result = import_extract(
            path,
            store,
            census_date=census,
            establishment=est,
            leavers=leavers,
            actor=params.get("actor"),
            display_name=params.get("file_name"),
            establishment_display_name=params.get("establishment_file_name"),
            leavers_display_name=params.get("leavers_file_name"),
            # An organisation user replaces only their own organisation's rows of a census that exists.
            organisation=scope.code if trust else None,
            create_census=not trust,
            default_census=latest,
            confirm_changes=bool(params.get("confirm")) or not trust,
        )
    finally:
        # The upload held personal data; once it is loaded (or refused) the copy on disk has no further use.
        for p in (path, est, leavers):
            if p is not None:
                p.unlink(missing_ok=True)
    cache.clear_caches()
    return {
        "census_date": result.census_date.isoformat(),
        "rows": result.rows,
        "assignments_in_post": result.assignments_in_post,
        "people_in_post": result.people_in_post,
        "leaver_rows": result.leaver_rows,
        "establishment_rows": result.establishment_rows,
        "organisations": result.organisations,
        "replaced": result.replaced,
        "census_date_from": result.census_date_from,
        "bank_assignments": result.bank_assignments,
        "findings": result.findings,
    }


# Projections, comparisons and deployment plans run over the scope of the user who asked (api/engines.py).
@runner("projection")
def run_projection(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    from hcsworkforce.services import engines

    return engines.run_projection(store, params, scope, progress)


@runner("compare")
def run_comparison(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    from hcsworkforce.services import engines

    return engines.run_comparison(store, params, scope, progress)


@runner("deployment")
def run_deployment(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    from hcsworkforce.services import engines

    return engines.run_deployment(store, params, scope, progress)
