"""Who may see what: every query is scoped to the nation, one region, or one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

ScopeKind = Literal["national", "region", "organisation"]


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind = "national"
    code: str | None = None  # region code (e.g. Y56) or ODS organisation code; None for national

    def __post_init__(self) -> None:
        if self.kind == "national" and self.code is not None:
            raise ValueError("a national scope has no code")
        if self.kind != "national" and not self.code:
            raise ValueError(f"a {self.kind} scope needs a code")

    def filter_expr(self) -> pl.Expr:
        """A polars predicate over frames with organisation_code and region_code columns."""
        if self.kind == "national":
            return pl.lit(True)
        if self.kind == "region":
            return pl.col("region_code") == self.code
        return pl.col("organisation_code") == self.code

    def crosses_organisations(self) -> bool:
        """Outputs at this scope can show more than one organisation, so small counts are suppressed."""
        return self.kind != "organisation"


NATIONAL = Scope()
