"""The surge deployment job's inputs from the store that both doors share (the CLI and the web run).

Issue 11 moves the rest of the job here; today this module holds who is in post but not available.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from hcsworkforce.model.scope import Scope


def unavailable_staff_keys(
    store: Any, staff: pl.DataFrame, census_date: date | None = None, scope: Scope | None = None
) -> list[str]:
    """People in post whose every assignment carries an ESR status that takes them out of work (maternity
    and adoption, career break, secondment, suspension): in post, counted in the profile, but not available
    to redeploy. Someone with one such post and one active post stays available (docs/esr-extracts.md)."""
    away = store.statuses(census_date, scope)
    if away.height == 0 or staff.height == 0:
        return []
    posts = staff.select("staff_key", "assignment_key").with_columns(
        pl.col("assignment_key").is_in(away["assignment_key"].implode()).alias("away")
    )
    people = posts.group_by("staff_key").agg(pl.col("away").all())
    return sorted(people.filter(pl.col("away"))["staff_key"].to_list())
