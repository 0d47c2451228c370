"""季度汇总 on the demo district: the engine reproduces the report's figures, and every export
(.xlsx .pdf .docx .txt .csv .json, and ``minsheng report``) carries them, checked by real readers
(openpyxl, python-docx, pdftotext, LibreOffice when installed)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils

from desktop.cli import main
from desktop.demo import build_demo
from desktop.domain.money import approx_count, approx_wan
from desktop.domain.periods import parse_period, quarter
from desktop.reports import narrative, official
from desktop.reports.export import export_summary, write_summary
from desktop.reports.quality import (
    RECORD_TABLES,
    _identity_issues,
    completeness,
    counts_sql,
    history_figures,
    quality_issues,
)
from desktop.reports.summary import (
    FIGURES,
    Change,
    build_summary,
    format_value,
    period_figures,
    resolve_unit,
    row_units,
    unit_figures,
)
from desktop.store import kangjian
from desktop.store.db import open_database
from desktop.store.door import WriteDoor
from desktop.store.locks import set_status
from desktop.store.orgs import OrgTree, Scope
from desktop.store.users import authenticate

Q1 = quarter(2026, 1)
OFFICES = ["CG", "DC", "XC", "NG", "HK", "BJ"]
ADDITIVE = [
    "kangjian.eligible",
    "kangjian.checked",
    "procedures.total",
    "newlyweds.couples",
    "floating.contraceptives",
    "floating.checks",
    "exemption.amount_fen",
]


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("summary-demo") / "demo.db"
    build_demo(path).conn.close()
    return path


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> sqlite_utils.Database:
    return open_database(demo_path)


@pytest.fixture
def copy(demo_path: Path, tmp_path: Path) -> sqlite_utils.Database:
    """A copy of the demo district this test may change."""
    target = tmp_path / "copy.db"
    shutil.copyfile(demo_path, target)
    return open_database(target)


@pytest.fixture(scope="module")
def q1(demo: sqlite_utils.Database):
    return build_summary(demo, Q1)


def has_subsidy(db: sqlite_utils.Database) -> bool:
    return bool(db.execute("SELECT count(*) FROM payments").fetchone()[0])


# -- the engine -------------------------------------------------------------------------------------


def test_district_figures_are_the_report(q1) -> None:
    t = q1.total
    assert (t["kangjian.eligible"], t["kangjian.checked"]) == (11362, 11261)
    assert t["kangjian.rate"] == Decimal("99.11")
    assert [
        t[k]
        for k in (
            "procedures.total",
            "procedures.iud",
            "procedures.sterilization",
            "procedures.abortion",
            "procedures.induced_labour",
        )
    ] == [132, 100, 7, 23, 2]
    assert (t["screening.screened"], t["newlyweds.couples"], t["screening.advised"]) == (
        2256,
        34,
        864,
    )
    assert 500 <= t["floating.contraceptives"] <= 509 and 230 <= t["floating.checks"] <= 239
    assert t["exemption.students"] == 13383
    assert (
        format_value("exemption.amount_fen", t["exemption.amount_fen"], money="wan")[:5] == "419.8"
    )
    assert q1.campaigns == ["2026年春季康检"]
    values = {
        r.key: (
            r.indicator.text,
            str(r.indicator.target),
            r.indicator.comparator,
            r.indicator.met,
            str(r.indicator.margin),
        )
        for r in q1.indicators
    }
    assert values["birth_rate"] == ("1.63‰", "12.29", "<=", True, "10.66")
    assert values["natural_growth"][0] == "0.87‰"
    assert values["policy_birth_rate"] == ("97.93%", "90.20", ">=", True, "7.73")
    assert values["contraception_rate"] == ("98.00%", "95.00", ">=", True, "3.00")
    assert values["funds_rate"][0] == "100.00%"
    assert values["check_rate"][0] == "99.11%"


def test_rows_are_the_offices_and_add_up(q1) -> None:
    assert [u.code for u in q1.units] == OFFICES
    for key in ADDITIVE:
        assert sum(q1.row(u.id)[key] for u in q1.units) == q1.total[key], key


def test_an_office_row_is_the_office_summary(demo, q1) -> None:
    office = build_summary(demo, Q1, "CG", compare=False)
    cg = next(u for u in q1.units if u.code == "CG")
    assert office.total == q1.row(cg.id)
    tree = OrgTree.load(demo)
    assert [u.name for u in office.units] == [c.name for c in tree.communities("CG")]
    for key in ADDITIVE:
        assert sum(office.row(u.id)[key] for u in office.units) == office.total[key], key
    assert office.previous is None and office.last_year is None


def test_changes_against_the_earlier_periods(demo, q1) -> None:
    previous, last_year = q1.change("kangjian.eligible")
    assert previous is not None and previous.earlier is None  # no campaign starts in 2025Q4
    spring = kangjian.campaign_keys(demo, period=quarter(2025, 1))
    assert [k.name for k in spring] == ["2025年春季康检"]
    records = kangjian.progress_summary(kangjian.campaign_progress(demo, spring[0])).reported
    assert last_year is not None and last_year.earlier == records.eligible
    assert last_year.delta == 11362 - records.eligible
    procedures_before = kangjian.four_procedures(demo, quarter(2025, 4)).total
    assert q1.change("procedures.total")[0] == Change(132, procedures_before)


def test_change_arithmetic() -> None:
    assert Change(110, 100).delta == 10 and Change(110, 100).percent == Decimal("10.00")
    assert Change(5, 0).percent is None and Change(None, 3).delta is None
    assert Change(Decimal("99.11"), Decimal("98.56")).delta == Decimal("0.55")
    assert Change(Decimal("99.11"), Decimal("98.56")).percent is None  # points, not percent


def test_subsidy_figures_when_the_programme_has_records(demo, q1) -> None:
    if not has_subsidy(demo):
        pytest.skip("示范区尚无帮扶发放记录（帮扶发放的示范数据尚未加入）")
    t = q1.total
    assert t["condolence.households"] == 187
    assert 130_000_00 <= t["condolence.total_fen"] < 140_000_00
    assert t["condolence.total_fen"] == t["condolence.cash_fen"] + t["condolence.goods_fen"]
    assert (t["reward.confirmed"], t["special.confirmed"]) == (304, 23)


# -- narrative ----------------------------------------------------------------------------------------


def test_narrative_in_the_reports_phrasing(demo, q1, tmp_path: Path) -> None:
    t = q1.total
    text = narrative.text(q1, "示范区")
    expected = [
        "全区应参加康检已婚育龄妇女11362人，实际康检11261人，康检率99.11%",
        "落实四术132例，其中上环100例、结扎7例、人流23例、引产2例",
        "普查已婚育龄妇女2256人，新婚夫妇34对，864名妇科病患者获指导性医学建议",
        f"发放避孕药具{approx_count(t['floating.contraceptives'])}盒",
        "康检230余人次",
        "为13383名学生免除学杂费、课本费及补贴生活费用共计419.9万元",
        "人口出生率为1.63‰，低于市定目标10.66‰",
        "政策生育率为97.93%，高于市定目标7.73%",
        "避孕节育措施落实率为98.00%，高于市定目标3.00%",
    ]
    if has_subsidy(demo):
        expected += [
            f"为187户贫困计生户发放慰问金和慰问品共计{approx_wan(t['condolence.total_fen'])}",
            "确认奖励扶助对象304名，特别扶助对象23名",
        ]
        assert "13余万元" in text
    for sentence in expected:
        assert sentence in text, sentence
    path = tmp_path / "q1.docx"
    write_summary(demo, q1, path)
    import docx

    body = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert body.startswith("示范区2026年第一季度工作情况汇报")
    for sentence in expected:
        assert sentence in body, sentence
    txt = tmp_path / "q1.txt"
    write_summary(demo, q1, txt)
    assert txt.read_text(encoding="utf-8") == text


# -- official tables ----------------------------------------------------------------------------------


def test_xlsx_cells_layout_and_print_setup(copy, tmp_path: Path) -> None:
    admin = authenticate(copy, "admin", "demo")
    official.save_signatures(
        WriteDoor(copy, admin),
        {
            "unit_head": "张建国",
            "stat_head": "李明",
            "preparer": "王芳",
            "authority": "示范区卫健委",
        },
    )
    path = export_summary(copy, Q1, tmp_path / "q1.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "民汇1表 康检",
        "民汇2表 帮扶",
        "民汇3表 两免一补",
        "民汇4表 指标",
        "民汇5表 比较",
    ]
    ws = book["民汇1表 康检"]
    assert ws["A1"].value == "康检及计划生育服务情况"
    assert ws["A2"].value == "填报单位：示范区（盖章）"
    assert "民汇1表" in ws["H2"].value and ws["H3"].value == "制表机关：示范区卫健委"
    assert ws["A4"].value == "报告期：2026年第一季度"
    assert ws["B5"].value == "春秋季康检" and ws["B6"].value == "应检人数"
    assert [c.value for c in ws[7]][:4] == ["甲", "1", "2", "3"]
    assert [c.value for c in ws[8]][:9] == ["合计", 11362, 11261, 99.11, 132, 100, 7, 23, 2]
    assert ws["D8"].number_format == "0.00"
    assert [ws.cell(9 + i, 1).value for i in range(6)][0] == "城关街道办事处"
    assert "A5:A6" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$5:$7"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("4 = 5 + 6 + 7 + 8（成立）" in t for t in texts)
    assert any(
        "单位负责人：张建国" in t and "填表人：王芳" in t and "报出日期：" in t for t in texts
    )
    ex = book["民汇3表 两免一补"]
    assert ex["B8"].value == 13383 and ex["C8"].number_format == "#,##0.00"
    assert round(ex["D8"].value, 1) == 419.9
    ind = book["民汇4表 指标"]
    first = [c.value for c in ind[8]]
    assert first[0] == "出生率（‰）" and first[4] == 1.63 and first[5] == 12.29
    assert first[6] == "≤" and first[7] == "达标"


def test_pdf_has_the_labels_and_figures(demo, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils 未安装")
    path = export_summary(demo, Q1, tmp_path / "q1.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = text.replace(" ", "")
    for label in (
        "康检及计划生育服务情况",
        "两免一补资助情况",
        "主要指标完成情况",
        "填报单位",
        "表号",
        "制表机关",
        "单位负责人",
        "城关街道办事处",
    ):
        assert label in flat, label
    for figure in ("11362", "11261", "99.11", "13383", "4,198,720.00", "1.63", "97.93"):
        assert figure in text, figure
    assert "第1页共5页" in flat


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装")
def test_libreoffice_converts_the_xlsx(demo, tmp_path: Path) -> None:
    path = export_summary(demo, Q1, tmp_path / "q1.xlsx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (tmp_path / "q1.pdf").stat().st_size > 0


# -- data exports -------------------------------------------------------------------------------------


def test_csv_has_a_bom_and_every_figure(demo, q1, tmp_path: Path) -> None:
    path = tmp_path / "q1.csv"
    write_summary(demo, q1, path)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    total = {r["指标键"]: r for r in rows if r["单位"] == "合计"}
    assert total["kangjian.eligible"]["本期"] == "11362"
    assert total["exemption.amount_fen"]["计量单位"] == "分"
    assert total["indicator.birth_rate"]["本期"] == "1.63"
    assert len(rows) == (1 + len(OFFICES)) * len(FIGURES) + len(q1.indicators)


def test_json_has_stable_keys(demo, tmp_path: Path) -> None:
    path = export_summary(demo, Q1, tmp_path / "q1.json", "XC")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "minsheng-summary" and data["version"] == 1
    assert data["period"] == {
        "key": "2026Q1",
        "label": "2026年第一季度",
        "start": "2026-01-01",
        "end": "2026-03-31",
    }
    assert data["scope"]["code"] == "XC" and data["scope"]["level"] == "office"
    assert [f["key"] for f in data["figures"]] == [f.key for f in FIGURES]
    assert set(data["total"]) == {f.key for f in FIGURES}
    xc = build_summary(demo, Q1, "XC", compare=False)
    assert data["total"]["kangjian.eligible"] == xc.total["kangjian.eligible"]
    assert data["total"]["kangjian.rate"] == str(xc.total["kangjian.rate"])
    assert {r["unit"]["level"] for r in data["rows"]} == {"community"}
    assert {i["key"] for i in data["indicators"]} >= {"birth_rate", "check_rate"}


# -- the command ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pdf", ".txt", ".csv", ".json"])
def test_command_writes_each_format(demo_path: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"q1{suffix}"
    assert main(["report", "--db", str(demo_path), "--period", "2026Q1", "-o", str(out)]) == 0
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q1", "-o", "q1.doc"], "不支持的文件类型"),
        (["--period", "2026Q5", "-o", "q1.json"], "无法识别"),
        (["--period", "2026Q1", "--office", "ZZ", "-o", "q1.json"], "找不到「ZZ」"),
    ],
)
def test_command_refuses_bad_input(demo_path: Path, tmp_path: Path, capsys, args, message) -> None:
    args = [a if not a.startswith("q1.") else str(tmp_path / a) for a in args]
    assert main(["report", "--db", str(demo_path), *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def test_command_office_report(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cg.txt"
    assert (
        main(
            [
                "report",
                "--db",
                str(demo_path),
                "--period",
                "2026Q1",
                "--office",
                "cg",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("城关街道办事处2026年第一季度")
    assert "城关街道办事处应参加康检已婚育龄妇女2378人" in text


# -- completeness and quality -----------------------------------------------------------------------


def test_completeness_grid(copy) -> None:
    grid = completeness(copy, Q1)
    assert [p.key for p in grid.periods][-1] == "2026Q1" and len(grid.periods) == 8
    cell = grid.cell("CG", "2026Q1")
    assert cell.status == "draft" and cell.status_label == "未报送"
    checks = copy.execute(
        "SELECT count(*) FROM checks WHERE office = 'CG' AND deleted = 0"
        " AND record_date BETWEEN '2026-01-01' AND '2026-03-31'"
    ).fetchone()[0]
    assert cell.counts["kangjian"] >= checks > 0
    assert cell.counts["exemption"] > 0 and cell.last_change
    assert set(grid.missing("2026Q1")) == set(OFFICES)
    reviewer = authenticate(copy, "cg_reviewer", "demo")
    door = WriteDoor(copy, reviewer)
    for programme in ("kangjian", "exemption", "population", "subsidy"):
        set_status(door, "CG", programme, Q1, "submitted")
    grid = completeness(copy, Q1)
    assert grid.cell("CG", "2026Q1").status_label == "已提交"
    assert "CG" not in grid.missing("2026Q1")
    assert grid.cell("CG", "2025Q4").status == "draft"


def test_completeness_counts_are_a_grouped_count_per_quarter(demo) -> None:
    """The grid's counts and last change equal one plain GROUP BY per table (office, quarter)."""
    grid = completeness(demo, Q1)
    quarter = "substr({c}, 1, 4) || 'Q' || ((CAST(substr({c}, 6, 2) AS INTEGER) + 2) / 3)"
    counts: dict[tuple[str, str, str], int] = {}
    latest: dict[tuple[str, str], str] = {}
    for programme, tables in RECORD_TABLES.items():
        for table, column in tables:
            for office, key, n, last in demo.execute(
                f"SELECT office, {quarter.format(c=column)}, count(*), max(updated_at)"
                f" FROM {table} WHERE deleted = 0 AND {column} >= '2024-04-01'"
                f" AND {column} < '2026-04-01' GROUP BY 1, 2"
            ):
                counts[(office, programme, key)] = counts.get((office, programme, key), 0) + n
                latest[(office, key)] = max(latest.get((office, key), ""), last)
    assert sum(counts.values()) > 0
    for (office, key), cell in grid.cells.items():
        assert cell.counts == {p: counts.get((office, p, key), 0) for p in RECORD_TABLES}
        assert cell.last_change == latest.get((office, key)), (office, key)


def test_completeness_reads_only_its_covering_indexes(demo) -> None:
    """Migration 7's indexes answer every count of the grid without reading a table row."""
    for tables in RECORD_TABLES.values():
        for table, column in tables:
            plan = " ".join(
                row[-1]
                for row in demo.execute(
                    f"EXPLAIN QUERY PLAN {counts_sql(table, column)}", ["CG", "a", "b"]
                )
            )
            assert f"COVERING INDEX {table}_changed (office=? AND {column}>? AND" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


def test_history_is_the_eight_quarters_figures(demo, q1) -> None:
    """The range check's history (two quarters taken from the summary) equals the figures of
    the eight quarters before, computed afresh."""
    found = history_figures(demo, q1)
    assert [f.period.key for f in found] == [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4",
    ]  # fmt: skip
    for figures in found:
        fresh = period_figures(demo, figures.period, q1.units, q1.unit, with_total=False)
        assert figures.rows == fresh.rows, figures.period.key


def test_quality_issues(demo, q1) -> None:
    issues = quality_issues(demo, q1)
    rules = [i for i in issues if i.kind == "rule"]
    assert any("杨树屯村" in i.unit and "不一致" in i.message for i in rules)
    keyed = next(i for i in rules if "杨树屯村" in i.unit)
    assert keyed.link.tab == "kangjian" and keyed.link.office == "BJ" and keyed.link.community_id
    ranges = [i for i in issues if i.kind == "range"]
    assert ranges and all(i.link.period == "2026Q1" for i in ranges)
    assert all("本单位前 8 个季度的范围" in i.message for i in ranges)
    assert not [i for i in issues if i.kind == "identity"]


def test_an_identity_that_does_not_hold_is_reported(demo) -> None:
    s = build_summary(demo, Q1, compare=False)
    cg = s.units[0]
    s.current.rows[cg.id]["procedures.total"] = 999  # as if a roll-up had gone wrong
    found = _identity_issues(demo, s)
    assert [(i.unit, i.figure) for i in found] == [("城关街道办事处", "落实四术")]
    assert found[0].link.tab == "kangjian" and found[0].link.office == "CG"


def test_scope_of_a_community(demo) -> None:
    tree = OrgTree.load(demo)
    community = tree.communities("HK")[0]
    s = build_summary(demo, Q1, community.id, compare=False)
    assert [u.id for u in s.units] == [community.id]
    assert s.total == s.row(community.id)
    scope = Scope(frozenset(["HK"]), frozenset([community.id]))
    assert s.total["procedures.total"] == kangjian.four_procedures(demo, Q1, scope).total


def test_a_year_and_a_custom_range(demo) -> None:
    year = build_summary(demo, parse_period("2025"), compare=True)
    assert year.previous is not None and year.previous.period.key == "2024"
    assert year.campaigns == ["2025年春季康检", "2025年秋季康检"]
    assert f"开展康检活动2次，应参加康检已婚育龄妇女累计{year.total['kangjian.eligible']}人次" in (
        narrative.text(year)
    )
    custom = build_summary(demo, parse_period("2026-01-01~2026-03-31"))
    assert custom.previous is None and custom.last_year is None
    assert custom.total == build_summary(demo, Q1, compare=False).total


def test_command_keeps_to_the_users_scope(demo_path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MINSHENG_PASSWORD", "demo")
    target = tmp_path / "copy.db"
    shutil.copyfile(demo_path, target)
    base = ["report", "--db", str(target), "--period", "2026Q1"]
    out = tmp_path / "cg.json"
    assert main([*base, "--user", "cg_clerk", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["scope"]["code"] == "CG"
    assert main([*base, "--user", "cg_clerk", "--office", "DC", "-o", str(out)]) == 2
    out = tmp_path / "community.json"
    assert main([*base, "--user", "cg1_clerk", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["scope"]["level"] == "community"
    db = open_database(target)
    exports = db.execute(
        "SELECT user FROM audit WHERE action = 'export' AND table_name = 'summary' ORDER BY seq"
    ).fetchall()
    assert [r[0] for r in exports] == ["cg_clerk", "cg1_clerk"]


def test_a_student_aided_at_two_schools_is_flagged(copy) -> None:
    first, school = copy.execute(
        "SELECT e.id, e.school_id FROM exemptions AS e WHERE e.deleted = 0 AND e.item = 'fees'"
        " AND e.granted_on BETWEEN '2026-01-01' AND '2026-03-31' AND NOT EXISTS (SELECT 1"
        " FROM exemptions AS x WHERE x.student_no = e.student_no AND x.semester = e.semester"
        " AND x.item = 'nonboarding') LIMIT 1"
    ).fetchone()
    other = copy.execute("SELECT id FROM schools WHERE id != ? LIMIT 1", [school]).fetchone()[0]
    columns = [c[1] for c in copy.execute("PRAGMA table_info(exemptions)")]
    changed = {"id": "'merged-1'", "school_id": "?", "item": "'nonboarding'"}
    select = ", ".join(changed.get(c, c) for c in columns)
    # as a merge of two offices' records could leave it (the write door refuses it in one office)
    copy.execute(
        f"INSERT INTO exemptions ({', '.join(columns)}) SELECT {select} FROM exemptions"
        " WHERE id = ?",
        [other, first],
    )
    s = build_summary(copy, Q1, compare=False)
    found = [i for i in quality_issues(copy, s, history=0) if i.figure == "两免一补"]
    assert len(found) == 1 and "2 所学校" in found[0].message
    assert found[0].link.tab == "exemption"
    assert {first, "merged-1"} <= set(found[0].link.record_ids)  # and the student's other grants


@pytest.mark.parametrize("office", [None, "BJ"])
def test_grouped_rows_equal_the_store_queries_per_unit(demo, office) -> None:
    """The rows come from one grouped aggregate per table; each must equal the programmes' own
    store queries run for that unit alone (the figures' one definition)."""
    tree = OrgTree.load(demo)
    org = resolve_unit(tree, office)
    units, total = row_units(tree, org), build_summary(demo, Q1, org, compare=False).unit
    for key in ("2026Q1", "2025Q3", "2025Q2"):
        period = parse_period(key)
        rows = period_figures(demo, period, units, total, with_total=False).rows
        for unit in units:
            expected = unit_figures(demo, period, unit.scope)
            got = {k: v for k, v in rows[unit.id].items() if k in expected}
            assert got == expected, (key, unit.name)
