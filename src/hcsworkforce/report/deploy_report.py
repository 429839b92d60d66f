"""How a deployment plan's tables read in a terminal: which columns, in which order (services.deploy makes the
tables themselves)."""

from __future__ import annotations

ASSIGNMENT_COLUMNS = [
    "staff_id",
    "from_organisation",
    "specialism",
    "career_level",
    "role",
    "site",
    "priority",
    "training_resources",
    "training_hours",
    "moves_organisation",
]
UNCOVERED_COLUMNS = ["role", "site", "priority", "posts", "unfilled", "reason", "eligible_within_reach"]
FLOOR_COLUMNS = [
    "organisation",
    "specialism",
    "min_share",
    "available_fte",
    "floor_fte",
    "released_headcount",
    "remaining_fte",
    "below_floor",
    "shortfall_fte",
    "cover_headcount",
]


def table_columns() -> dict[str, list[str]]:
    """Columns per table title, for a terminal that cannot show every key."""
    return {
        "Assignments": ASSIGNMENT_COLUMNS,
        "Posts left uncovered": UNCOVERED_COLUMNS,
        "Essential-service floors": FLOOR_COLUMNS,
        "Totals": ["measure", "value"],
    }
