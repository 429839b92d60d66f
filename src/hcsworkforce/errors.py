"""Errors that speak the user's language. A UserInputError is the user's to fix: exit 2 / HTTP 422."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located as the user would find it."""

    message: str
    file: str | None = None
    row: int | None = None  # as a spreadsheet shows it: the header is row 1
    column: str | None = None
    value: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row:,}")
        if self.column:
            where.append(f"column {self.column}")
        head = ", ".join(where)
        text = self.message
        if self.value not in (None, "") and self.value not in text:
            # "'Band 10' is not an Agenda for Change band" reads better than the message then the value.
            text = (
                f"{self.value!r} {text}" if text.startswith(("is ", "gives ")) else f"{text}: {self.value!r}"
            )
        if self.expected:
            text = f"{text} (expected {self.expected})"
        return f"{head}: {text}" if head else text

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class UserInputError(Exception):
    """The user's input is wrong. Carries every problem found (capped), and how many there were in all."""

    def __init__(self, problems: list[Problem] | Problem | str, total: int | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems):,} more problems ({self.total:,} in all)")
        return "\n".join(lines)
