"""What an import kind is: its columns (fields), its key, how its rows are checked and written.

Programme modules register their kinds here (``register_kind(ImportKind(...))``) in a module named
``desktop/imports/kinds_*.py``; :func:`load_kinds` imports those modules the first time a kind is
asked for, so that ``minsheng template`` and ``minsheng import`` know every kind without this
package importing the programmes.

Row values handed to ``validate_row`` and ``write`` are already normalised and typed by
:mod:`desktop.imports.normalize` (see :data:`FIELD_KINDS`); an empty cell is ``None``.
``validate_row`` may add or change values in the dict it is given (derived birth date, a looked-up
person id, …): the same dict is later handed to ``write``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.domain.choices import ChoiceList
from desktop.domain.errors import Problem, ValidationError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from desktop.domain.ids import IdInfo
    from desktop.store.door import CancelCheck, Progress, WriteDoor
    from desktop.store.orgs import OrgTree
    from desktop.store.users import User

FIELD_KINDS: dict[str, str] = {
    "text": "文本：前后空格去掉，全角字符转半角，连续空格并为一个",
    "id_number": "身份证号：18位（或旧15位），末位 x 自动转为大写 X，校验位必须正确",
    "date": "日期：2026-03-05、2026/3/5、2026.3.5、2026年3月5日、20260305 或 Excel 日期",
    "int": "整数",
    "money": "金额（元）：最多两位小数，存为分",
    "choice": "从下拉列表中选择",
    "phone": "电话：11位手机号，或带区号的固定电话",
    "community": "社区（村）名称：须在您的管辖范围内",
    "bool": "是 / 否（也可写 1/0、Y/N、√）",
}
"""The kinds of field, with the rule shown in templates. Normalised values: text → str,
id_number → upper-case str, date → 'YYYY-MM-DD', int → int, money → int 分, choice → the choice
key, phone → normalised str, community → org-unit id, bool → True/False."""


@dataclass(frozen=True)
class Field:
    """One column of an import file."""

    key: str  # the key in the row dict handed to validate_row / write
    label: str  # the column header written in templates and named in messages
    kind: str  # one of FIELD_KINDS
    required: bool = False
    synonyms: tuple[str, ...] = ()  # other headers accepted for this column
    choices: ChoiceList | None = None  # for kind 'choice'
    example: str = ""  # the value in the template's sample row
    width: int = 14  # template column width (characters)
    help: str = ""  # shown as the header cell's comment in the template

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"field {self.key}: unknown kind {self.kind!r}")
        if self.kind == "choice" and self.choices is None:
            raise ValueError(f"field {self.key}: a choice field needs its ChoiceList")


@dataclass
class RowContext:
    """What ``validate_row`` may look at besides the row: the database, the importing user, the
    org tree, and the row's number in the file (as Excel shows it).

    ``ids`` holds, for the current row, the parsed ID number of each ``id_number`` field (field
    key → ``domain.ids.IdInfo``: birth date, sex, region), so a kind need not parse it again.
    ``cache`` lives for one import, for lookups a kind wants to do once rather than per row.
    """

    db: Database
    user: User
    tree: OrgTree
    row: int
    cache: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, IdInfo] = field(default_factory=dict)

    def id_info(self, key: str, number: str) -> IdInfo:
        """The parsed ID number ``number`` of field ``key`` on the current row: the normaliser's
        (parsed once per row), or parsed here when the context was built without it."""
        info = self.ids.get(key)
        if info is None or info.number != number:
            from desktop.domain.ids import parse_id

            info = parse_id(number)
        return info


RowValidator = Callable[[dict[str, Any], RowContext], list[Problem]]
Writer = Callable[["WriteDoor", list[dict[str, Any]], "Progress | None", "CancelCheck | None"], int]
ExistingFinder = Callable[["Database", list[dict[str, Any]]], dict[tuple[Any, ...], str]]
Prefetcher = Callable[[RowContext, list[dict[str, Any]]], None]


@dataclass(frozen=True)
class ImportKind:
    """A kind of file the command and the window can import.

    ``write(door, rows, progress, cancel)`` writes the valid rows through the door (normally one
    ``door.insert_many``) and returns how many records it wrote; it runs inside the import's one
    transaction. It must hand the rows to the door in the order given, one record per row, so
    that the door's row numbers map back to the rows of the file.

    ``key_fields`` name the fields that identify a record: two rows of a file with the same
    values are duplicates, and ``find_existing(db, rows)`` returns, for the rows whose key is
    already in the database, ``{key tuple: a short description of the existing record}``. It may
    be called several times with successive chunks of rows.

    ``prefetch(ctx, rows)``, when given, is called with each chunk of normalised rows (those
    without problems) before ``validate_row`` sees them, so that the kind looks up in one query
    what it would otherwise ask once per row (it keeps the answers in ``ctx.cache``).
    """

    key: str
    label: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]
    write: Writer
    validate_row: RowValidator | None = None
    find_existing: ExistingFinder | None = None
    prefetch: Prefetcher | None = None
    notes: str = ""  # kind-specific lines for the template's 填写说明

    def __post_init__(self) -> None:
        keys = [f.key for f in self.fields]
        if len(set(keys)) != len(keys):
            raise ValueError(f"import kind {self.key}: duplicate field keys")
        missing = [k for k in self.key_fields if k not in keys]
        if missing:
            raise ValueError(f"import kind {self.key}: key fields {missing} are not fields")

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


KINDS: dict[str, ImportKind] = {}
"""Every registered kind by key, in registration order."""

KIND_MODULES = ("kinds_kangjian", "kinds_subsidy", "kinds_exemption")
"""Modules that register kinds; those that do not exist (yet) are skipped."""


def register_kind(kind: ImportKind) -> ImportKind:
    KINDS[kind.key] = kind
    return kind


def unregister_kind(key: str) -> None:
    """Forget a kind (for tests that register their own)."""
    KINDS.pop(key, None)


_loaded = False


def load_kinds() -> dict[str, ImportKind]:
    """Import every ``desktop.imports.kinds_*`` module that exists (once) and return KINDS."""
    global _loaded
    if not _loaded:
        names = list(KIND_MODULES)
        from desktop import imports as package

        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("kinds_") and info.name not in names:
                names.append(info.name)
        for name in names:
            module = f"desktop.imports.{name}"
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        _loaded = True
    return KINDS


def get_kind(key: str) -> ImportKind:
    """The kind registered as ``key``; a ValidationError listing the kinds otherwise."""
    kinds = load_kinds()
    found = kinds.get(key.strip()) if isinstance(key, str) else None
    if found is None:
        by_label = {k.label: k for k in kinds.values()}
        found = by_label.get(str(key).strip())
    if found is None:
        known = "、".join(f"{k.key}（{k.label}）" for k in kinds.values()) or "（暂无）"
        raise ValidationError.single("导入类型", f"「{key}」不是可导入的数据类型，应为：{known}")
    return found
