"""Turning what clerks type into typed values, one converter per kind of field.

Each converter takes a non-empty raw cell (str from CSV; str, float, bool, date or datetime from
Excel) and returns the normalised value, or raises ValidationError whose message says what is
wrong (the pipeline names the row and the column). See ``spec.FIELD_KINDS`` for the types.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from desktop.domain.dates import parse_iso
from desktop.domain.errors import Problem, ValidationError
from desktop.domain.ids import IdInfo, parse_id
from desktop.domain.money import parse_yuan
from desktop.domain.phones import parse_phone
from desktop.imports.headers import HeaderMatch
from desktop.imports.spec import Field, ImportKind
from desktop.store.orgs import OrgTree, OrgUnit
from desktop.store.users import User

Converter = Callable[[Any], Any]

TRUE_WORDS = frozenset({"是", "1", "y", "yes", "true", "√", "✓", "✔", "对", "有"})
FALSE_WORDS = frozenset({"否", "0", "n", "no", "false", "×", "✗", "✘", "x", "无", "不是"})
_NAME_SEPARATORS = str.maketrans("", "", " /\\-—_·・.,，、|")


def text_of(raw: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, strings normalised."""
    if isinstance(raw, str):
        s = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
        return " ".join(s.split())
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, datetime):
        if (raw.hour, raw.minute, raw.second) == (0, 0, 0):
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, time | timedelta):
        return str(raw)
    return " ".join(str(raw).split())


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and (not raw or raw.isspace()))


# -- converters ---------------------------------------------------------------------------------


def to_text(raw: Any) -> str:
    return text_of(raw)


def to_id_number(raw: Any) -> str:
    return to_id_info(raw).number


def to_id_info(raw: Any) -> IdInfo:
    if isinstance(raw, bool):
        raise ValidationError.single("", f"「{raw}」不是身份证号")
    if isinstance(raw, int | float):
        if raw >= 1e15 or (isinstance(raw, float) and not raw.is_integer()):
            raise ValidationError.single(
                "",
                f"在 Excel 中被存成了数字（显示为 {raw:.15g}），后几位已丢失；"
                "请把该列设为「文本」格式后重新录入身份证号",
            )
        raw = str(int(raw))
    else:
        raw = str(raw).strip().lstrip("'‘’`")  # an apostrophe some exports put before numbers
    if "E+" in raw.upper() and raw.replace(".", "").upper().split("E+")[0].isdigit():
        raise ValidationError.single(
            "",
            f"「{raw}」是被 Excel 转成科学计数法的号码，后几位已丢失；"
            "请把该列设为「文本」格式后重新录入身份证号",
        )
    return parse_id(raw)


def to_date(raw: Any) -> str:
    return parse_iso(raw, "")


def to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValidationError.single("", f"「{raw}」不是整数")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValidationError.single("", f"「{raw:g}」不是整数")
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split()).replace(",", "")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if number.is_integer():
        return int(number)
    raise ValidationError.single("", f"「{raw}」不是整数，请填写阿拉伯数字，如 3")


def to_money(raw: Any) -> int:
    return parse_yuan(raw)


def to_phone(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw))
    return parse_phone(text_of(raw))


def to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = text_of(raw).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError.single("", f"「{raw}」应为 是 或 否（也可写 1/0、Y/N、√）")


def choice_converter(f: Field) -> Converter:
    assert f.choices is not None
    key = f.choices.key

    def convert(raw: Any) -> str:
        return key(text_of(raw))

    return convert


# -- communities --------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_NAME_SEPARATORS).casefold()


_COMMUNITY_SUFFIXES = ("社区居委会", "村民委员会", "居民委员会", "居委会", "村委会", "社区", "村")
_OFFICE_SUFFIXES = ("街道办事处", "办事处", "街道", "镇人民政府", "乡人民政府", "镇", "乡")


def _stem(name: str, suffixes: Sequence[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class CommunityIndex:
    """Community (社区 / 村) names → org units, and which of them are in the user's scope.

    A community may be written by its name ('东关社区'), without the suffix ('东关'), or with its
    office in front ('城关街道东关社区', '城关街道 东关社区') — the last is how two communities of
    the same name in different offices are told apart.
    """

    def __init__(self, tree: OrgTree, user: User | None):
        self.tree = tree
        self.user = user
        self._by_name: dict[str, list[OrgUnit]] = {}
        for unit in tree.communities():
            office = self._office(unit)
            names = {unit.name, _stem(unit.name, _COMMUNITY_SUFFIXES)}
            if office is not None:
                for office_name in {office.name, _stem(office.name, _OFFICE_SUFFIXES)}:
                    names |= {office_name + n for n in list(names)}
            for name in names:
                bucket = self._by_name.setdefault(_fold(name), [])
                if unit not in bucket:
                    bucket.append(unit)

    def _office(self, unit: OrgUnit) -> OrgUnit | None:
        parent = self.tree.units.get(unit.parent_id) if unit.parent_id else None
        return parent if parent is not None and parent.level == "office" else None

    def in_scope(self, unit: OrgUnit) -> bool:
        if self.user is None:
            return True
        return self.user.scope.allows(self.tree.office_of(unit.id), unit.id)

    def allowed(self) -> list[OrgUnit]:
        return [u for u in self.tree.communities() if self.in_scope(u)]

    def display_names(self) -> list[str]:
        """Names to offer in a drop-down: bare names, with the office where a name repeats."""
        units = self.allowed()
        counts: dict[str, int] = {}
        for u in units:
            counts[u.name] = counts.get(u.name, 0) + 1
        out = []
        for u in units:
            office = self._office(u)
            out.append(u.name if counts[u.name] == 1 or office is None else office.name + u.name)
        return out

    def lookup(self, raw: Any) -> str:
        text = text_of(raw)
        found = self._by_name.get(_fold(text), [])
        mine = [u for u in found if self.in_scope(u)]
        if len(mine) == 1:
            return mine[0].id
        if len(mine) > 1:
            example = (self._office(mine[0]) or mine[0]).name + mine[0].name
            raise ValidationError.single(
                "", f"「{text}」有重名（{len(mine)} 个），请连同办事处一起写，如「{example}」"
            )
        if found:
            offices = "、".join(dict.fromkeys((self._office(u) or u).name for u in found))
            raise ValidationError.single(
                "", f"「{text}」（属于{offices}）不在您的管辖范围内，不能导入其记录"
            )
        names = self.display_names()
        listed = "、".join(names[:8]) + ("等" if len(names) > 8 else "")
        hint = f"，应为：{listed}" if names else ""
        raise ValidationError.single("", f"「{text}」不是本区的社区（村）名称{hint}")


# -- the row normaliser -------------------------------------------------------------------------

_SIMPLE: dict[str, Converter] = {
    "text": to_text,
    "id_number": to_id_number,
    "date": to_date,
    "int": to_int,
    "money": to_money,
    "phone": to_phone,
    "bool": to_bool,
}


MEMO_LIMIT = 10_000


def memoised(convert: Converter) -> Converter:
    """``convert`` remembering its results for text cells: choice, community and yes/no columns
    hold a few distinct values over many rows. Refusals are not remembered (they raise)."""
    memo: dict[Any, Any] = {}

    def cached(raw: Any) -> Any:
        try:
            return memo[raw]
        except KeyError:
            pass
        except TypeError:  # unhashable: not a cell value we know, convert it plainly
            return convert(raw)
        value = convert(raw)
        if len(memo) < MEMO_LIMIT:
            memo[raw] = value
        return value

    return cached


def converter_for(f: Field, communities: CommunityIndex) -> Converter:
    if f.kind == "id_number":
        return to_id_info  # the normaliser keeps the IdInfo and stores its number
    if f.kind == "choice":
        return memoised(choice_converter(f))
    if f.kind == "community":
        return memoised(communities.lookup)
    if f.kind == "bool":
        return memoised(to_bool)
    return _SIMPLE[f.kind]


class RowNormaliser:
    """Normalise the matched cells of a row: ``(values, problems)`` with every field present.

    ``ids`` keeps the parsed ID numbers of the last row normalised (for ``RowContext.ids``)."""

    def __init__(self, kind: ImportKind, match: HeaderMatch, communities: CommunityIndex):
        self.kind = kind
        self.match = match
        self.plan: list[tuple[str, int, Converter, bool, str, bool]] = []
        self.absent: list[str] = []
        self.ids: dict[str, IdInfo] = {}  # the current row's parsed ID numbers, by field key
        for f in kind.fields:
            column = match.columns.get(f.key)
            if column is None:
                self.absent.append(f.key)
                continue
            converter = converter_for(f, communities)
            is_id = f.kind == "id_number"
            self.plan.append((f.key, column, converter, f.required, match.headers[column], is_id))
        self.columns = [p[1] for p in self.plan]

    def is_blank(self, cells: Sequence[Any]) -> bool:
        """True when every matched column of the row is empty (such rows are skipped)."""
        width = len(cells)
        for column in self.columns:
            if column < width and not is_blank(cells[column]):
                return False
        return True

    def __call__(self, row: int, cells: Sequence[Any]) -> tuple[dict[str, Any], list[Problem]]:
        values: dict[str, Any] = dict.fromkeys(self.absent)
        problems: list[Problem] = []
        ids = self.ids
        ids.clear()
        width = len(cells)
        for key, column, convert, required, header, is_id in self.plan:
            raw = cells[column] if column < width else None
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                values[key] = None
                if required:
                    problems.append(Problem(header, "不能为空", row))
                continue
            try:
                if is_id:
                    info = convert(raw)
                    ids[key] = info
                    values[key] = info.number
                else:
                    values[key] = convert(raw)
            except ValidationError as exc:
                values[key] = None
                problems.extend(Problem(header, p.message, row) for p in exc.problems)
        return values, problems
