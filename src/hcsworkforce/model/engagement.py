"""Staff survey records: one published figure per organisation, staff group, question and year.

`ingest.survey` reads a file into these, `store.tables_engagement` keeps them, and `analytics.engagement`
computes intervals and comparisons over them.
"""

from __future__ import annotations

from dataclasses import dataclass

# The organisation code that marks a national (England) benchmark row in survey input.
NATIONAL = "ENGLAND"
ALL_STAFF = "all"
HEALTHCARE_SCIENTISTS = "healthcare_scientists"


@dataclass(frozen=True)
class SurveyResult:
    """One published survey figure: a question or theme, for one group of one organisation, in one year."""

    organisation_code: str  # ODS code, or NATIONAL
    group: str  # ALL_STAFF, HEALTHCARE_SCIENTISTS or a specialism id
    question: str  # question number or theme id, as the survey names it
    year: int
    respondents: int
    percent_positive: float | None = None  # 0-100
    score: float | None = None  # mean score (theme scores are 0-10)
    sd: float | None = None  # standard deviation of individual scores, where known

    @property
    def measure(self) -> str:
        return "percent_positive" if self.percent_positive is not None else "score"
