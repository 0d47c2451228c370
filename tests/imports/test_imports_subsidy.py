"""Import kinds ``households`` and ``disbursements`` (desktop.imports.kinds_subsidy): a good file
writes households, members, qualifications and payments; a bad file names row, column and reason,
fills the error workbook and writes nothing; the double-payment guard holds for imports, within
the file and against the database; the ``minsheng template`` / ``import`` commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop.cli import main
from desktop.domain.ids import make_id
from desktop.domain.periods import quarter
from desktop.imports.pipeline import ImportRejected, run_import
from desktop.imports.spec import get_kind
from desktop.store import subsidy as S
from tests.imports.conftest import write_csv, write_xlsx
from tests.store.conftest import World

HEAD = make_id("419901", date(1958, 5, 12), 31)
WIFE = make_id("419901", date(1960, 8, 1), 42)
SON = make_id("419901", date(1985, 2, 3), 51)
POOR = make_id("419901", date(1970, 1, 9), 61)
OTHER = make_id("419901", date(1956, 4, 4), 71)  # office B
HOUSEHOLD_HEADER = [
    "户主身份证号码",
    "姓名",
    "公民身份号码",
    "家庭关系",
    "所属社区",
    "户口性质",
    "家庭住址",
    "是否贫困计生户",
    "认定日期",
    "入户日期",
    "项目",
    "年度",
    "资格状态",
    "确认日期",
]
HOUSEHOLDS = [
    HOUSEHOLD_HEADER,
    [
        HEAD,
        "王建国",
        HEAD,
        "户主",
        "A1社区",
        "农村",
        "A1社区3号",
        "否",
        "",
        "2024-01-01",
        "奖励扶助",
        2026,
        "续发",
        "2026-02-10",
    ],
    [
        HEAD,
        "李秀英",
        WIFE,
        "妻子",
        "A1社区",
        "农业",
        "",
        "",
        "",
        "2024-01-01",
        "奖扶",
        2026,
        "新增",
        "2026-02-10",
    ],
    [HEAD, "王强", SON, "儿子", "A1社区", "农村", "", "", "", "2024-01-01", "", "", "", ""],
    [
        POOR,
        "赵六",
        POOR,
        "本人",
        "A2社区",
        "城镇",
        "A2社区8号",
        "是",
        "2020-05-01",
        "",
        "",
        "",
        "",
        "",
    ],
]
PAY_HEADER = [
    "姓名",
    "身份证号",
    "帮扶项目",
    "发放期间起",
    "发放期间止",
    "金额",
    "慰问品价值",
    "发放日期",
    "账户类型",
    "卡号",
    "状态",
]


def count_rows(world: World, table: str) -> int:
    return world.db.execute(f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0]


def read_sheet(path: Path) -> list[list[Any]]:
    import python_calamine as pc

    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture
def families(world: World, tmp_path: Path) -> World:
    report = run_import(
        world.db, world.clerk_a, "households", write_xlsx(tmp_path / "h.xlsx", HOUSEHOLDS)
    )
    assert (report.written, report.rejected, report.unknown_columns) == (4, 0, [])
    return world


def test_kinds_are_registered() -> None:
    assert get_kind("帮扶家庭").key == "households"
    assert get_kind("disbursements").label == "帮扶发放记录"
    assert get_kind("households").field("head_id_number").required


def test_households_import_writes_people_households_members_and_qualifications(
    families: World,
) -> None:
    world = families
    assert count_rows(world, "persons") == 4 and count_rows(world, "households") == 2
    assert count_rows(world, "household_members") == 4
    poor = world.db.execute(
        "SELECT poor, poor_since, hukou FROM households WHERE poor = 1"
    ).fetchone()
    assert poor == (1, "2020-05-01", "urban")
    relations = sorted(r[0] for r in world.db.execute("SELECT relation FROM household_members"))
    assert relations == ["child", "head", "head", "spouse"]
    assert S.confirmed_counts(world.db, quarter(2026, 1)) == {"reward": 2, "special": 0}
    statuses = sorted(r[0] for r in world.db.execute("SELECT status FROM qualifications"))
    assert statuses == ["continued", "new"]


def test_a_bad_households_file_names_row_column_reason_and_writes_nothing(
    world: World, tmp_path: Path
) -> None:
    young = make_id("419901", date(1975, 1, 1), 81)
    rows = [
        HOUSEHOLD_HEADER,
        [
            HEAD,
            "王建国",
            HEAD,
            "户主",
            "A1社区",
            "城镇",
            "",
            "",
            "",
            "",
            "奖励扶助",
            2026,
            "新增",
            "",
        ],
        [HEAD, "李秀英", WIFE, "户主", "A1社区", "农村", "", "", "", "", "", "", "", ""],
        [
            young,
            "孙七",
            young,
            "户主",
            "A1社区",
            "农村",
            "",
            "否",
            "2020-01-01",
            "",
            "",
            "",
            "",
            "",
        ],
        [OTHER, "钱八", OTHER, "户主", "B1社区", "农村", "", "", "", "", "", "", "", ""],
    ]
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(ImportRejected) as info:
        run_import(
            world.db,
            world.clerk_a,
            "households",
            write_csv(tmp_path / "h.csv", rows),
            errors_out=errors,
        )
    reasons = {e.row: e.reason for e in info.value.report.invalid}
    assert (
        "「家庭关系」：户主一行的身份证号须与户主身份证号相同" in reasons[3]
    )  # the file's own header
    assert "「认定日期」：不是贫困计生户时不应填写认定日期" in reasons[4]
    assert "不在您的管辖范围内" in reasons[5]
    assert count_rows(world, "persons") == 0 and count_rows(world, "households") == 0
    assert read_sheet(errors)[0][:2] == ["原行号", "错误原因"]
    # the door's eligibility refusal (urban hukou) is reported on its row, nothing written
    with pytest.raises(ImportRejected) as again:
        run_import(world.db, world.clerk_a, "households", write_csv(tmp_path / "one.csv", rows[:2]))
    (only,) = again.value.report.invalid
    assert only.row == 2 and "农村户籍" in only.reason
    assert count_rows(world, "persons") == 0 and count_rows(world, "qualifications") == 0


def test_disbursements_import_and_the_guard(families: World, tmp_path: Path) -> None:
    world = families
    good = [
        PAY_HEADER,
        [
            "王建国",
            HEAD,
            "奖励扶助",
            "2026-01-01",
            "2026-06-30",
            "480",
            "",
            "2026-03-25",
            "社保卡",
            "6217 0000 1234 5678",
            "",
        ],
        [
            "李秀英",
            WIFE,
            "奖励扶助",
            "2026-01-01",
            "2026-06-30",
            "480.00",
            "",
            "2026-03-25",
            "一卡通",
            "622908001",
            "已发",
        ],
        [
            "赵六",
            POOR,
            "贫困计生户慰问",
            "2026-01-01",
            "2026-03-31",
            "500",
            "230",
            "2026-01-20",
            "",
            "",
            "",
        ],
    ]
    report = run_import(
        world.db, world.clerk_a, "disbursements", write_csv(tmp_path / "p.csv", good)
    )
    assert report.written == 3
    totals = {t.code: t for t in S.period_totals(world.db, quarter(2026, 1))}
    assert totals["reward"].people == 2 and totals["reward"].cash_fen == 96000
    assert (totals["condolence"].households, totals["condolence"].total_fen) == (1, 73000)
    bad = [
        PAY_HEADER,
        [
            "王建国",
            HEAD,
            "奖励扶助",
            "2026-04-01",
            "2026-09-30",
            "480",
            "",
            "2026-09-25",
            "",
            "",
            "",
        ],
        ["王强", SON, "奖励扶助", "2026-07-01", "2026-12-31", "480", "", "2026-09-25", "", "", ""],
        ["王强", SON, "奖励扶助", "2026-10-01", "2026-12-31", "240", "", "2026-09-25", "", "", ""],
        ["李秀英", WIFE, "奖扶", "2026-07-01", "2026-12-31", "0", "", "2026-09-25", "", "", ""],
        [
            "无名",
            make_id("419901", date(1950, 1, 1), 91),
            "奖励扶助",
            "2026-07-01",
            "2026-12-31",
            "480",
            "",
            "2026-09-25",
            "",
            "",
            "",
        ],
        ["赵六", POOR, "补贴", "2026-07-01", "2026-09-30", "500", "", "2026-09-15", "", "", ""],
    ]
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(ImportRejected) as info:
        run_import(
            world.db,
            world.clerk_a,
            "disbursements",
            write_csv(tmp_path / "b.csv", bad),
            errors_out=errors,
        )
    reasons = {e.row: e.reason for e in info.value.report.invalid}
    assert "「金额」：现金和慰问品价值不能都为0" in reasons[5]
    assert "人员名册中没有该身份证号" in reasons[6]
    assert "「帮扶项目」：「补贴」不是帮扶项目" in reasons[7]
    assert count_rows(world, "payments") == 3
    # the valid rows alone: the guard refuses row 2 (paid 2026-01-01 … 06-30) and row 4 (row 3)
    with pytest.raises(ImportRejected) as again:
        run_import(world.db, world.clerk_a, "disbursements", write_csv(tmp_path / "c.csv", bad[:4]))
    reasons = {e.row: e.reason for e in again.value.report.invalid}
    assert set(reasons) == {2, 4}
    assert "已经发放过" in reasons[2] and "2026-03-25 发放" in reasons[2]
    assert "与第 3 行" in reasons[4]
    assert count_rows(world, "payments") == 3
    report = run_import(
        world.db,
        world.clerk_a,
        "disbursements",
        write_csv(tmp_path / "d.csv", bad[:4]),
        skip_invalid=True,
    )
    assert report.written == 1 and count_rows(world, "payments") == 4


def test_template_and_import_commands(
    families: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    world = families
    monkeypatch.setenv("MINSHENG_PASSWORD", "secret")
    for kind in ("households", "disbursements"):
        template = tmp_path / f"{kind}.xlsx"
        assert main(["template", kind, "-o", str(template)]) == 0
        assert read_sheet(template)[1][0].startswith("*")
    path = write_csv(
        tmp_path / "p.csv",
        [
            PAY_HEADER,
            [
                "王建国",
                HEAD,
                "奖励扶助",
                "2026-01-01",
                "2026-06-30",
                "480",
                "",
                "2026-03-25",
                "",
                "",
                "",
            ],
        ],
    )
    db = ["--db", str(world.path), "--user", "clerk_a"]
    assert main(["import", "disbursements", str(path), *db]) == 0
    assert main(["import", "disbursements", str(path), *db]) == 2
    assert count_rows(world, "payments") == 1
