"""Validation problems with messages a clerk can act on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field, optionally on one row of an imported file."""

    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else ""
        if self.field:
            where += f"「{self.field}」"
        return f"{where}：{self.message}" if where else self.message


class ValidationError(ValueError):
    """Raised when input breaks a domain rule; carries every problem found."""

    problems: list[Problem]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str, row: int | None = None) -> ValidationError:
        return cls([Problem(field, message, row)])

    def with_row(self, row: int) -> ValidationError:
        """A copy whose problems without a row number are placed on ``row``."""
        return ValidationError(
            p if p.row is not None else replace(p, row=row) for p in self.problems
        )

    def __reduce__(self) -> tuple[type[ValidationError], tuple[list[Problem]]]:
        return (self.__class__, (self.problems,))
