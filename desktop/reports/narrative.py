"""The narrative draft of the quarterly work report (.docx and .txt): the report's paragraphs with
the figures of the summary filled in, in the report's own phrasing:

    全区应参加康检已婚育龄妇女11362人，实际康检11261人，康检率99.11%。
    为187户贫困计生户发放慰问金和慰问品共计13余万元。
    为13383名学生免除学杂费、课本费及补贴生活费用共计419.9万元。
    人口出生率为1.63‰，低于市定目标10.66‰。

Exact figures are stored; prose rounds them by one rule each (``desktop.domain.money``):
``approx_count`` for quantities the report gives loosely (500余盒, 230余人次) and ``approx_wan``
for 慰问 money (13余万元). 两免一补 money is given in 万元 with 1 decimal (419.9万元), rates with 2
decimals (``format_rate``). A figure the period has no data for leaves its sentence out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.domain.money import approx_count, approx_wan, format_wan
from desktop.domain.rates import format_rate
from desktop.reports.indicators import format_indicator_sentence
from desktop.reports.summary import Summary, Value

# the indicators the report's last paragraph names, in its order
NARRATIVE_INDICATORS = (
    "birth_rate",
    "natural_growth",
    "policy_birth_rate",
    "contraception_rate",
    "funds_rate",
)


@dataclass(frozen=True)
class Section:
    heading: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(s if s.endswith("。") else s + "。" for s in self.sentences)


def _known(*values: Value) -> bool:
    return all(v is not None for v in values)


def kangjian_sentences(s: Summary) -> list[str]:
    t = s.total
    who = s.scope_name
    out: list[str] = []
    if _known(t["kangjian.eligible"], t["kangjian.checked"]) and len(s.campaigns) > 1:
        # several campaigns (a year): the same woman counts once per campaign
        out.append(
            f"{who}开展康检活动{len(s.campaigns)}次，应参加康检已婚育龄妇女累计"
            f"{t['kangjian.eligible']}人次，实际康检{t['kangjian.checked']}人次，"
            f"康检率{format_rate(t['kangjian.rate'], '%')}"
        )
    elif _known(t["kangjian.eligible"], t["kangjian.checked"]):
        out.append(
            f"{who}应参加康检已婚育龄妇女{t['kangjian.eligible']}人，"
            f"实际康检{t['kangjian.checked']}人，"
            f"康检率{format_rate(t['kangjian.rate'], '%')}"
        )
    else:
        out.append(f"{who}本期未开展康检活动")
    if t["procedures.total"]:
        parts = "、".join(
            f"{label}{t[key]}例"
            for key, label in (
                ("procedures.iud", "上环"),
                ("procedures.sterilization", "结扎"),
                ("procedures.abortion", "人流"),
                ("procedures.induced_labour", "引产"),
            )
        )
        out.append(f"落实四术{t['procedures.total']}例，其中{parts}")
    clauses = []
    if t["screening.screened"]:
        clauses.append(f"普查已婚育龄妇女{t['screening.screened']}人")
    if t["newlyweds.couples"]:
        clauses.append(f"新婚夫妇{t['newlyweds.couples']}对")
    if t["screening.advised"]:
        clauses.append(f"{t['screening.advised']}名妇科病患者获指导性医学建议")
    if clauses:
        out.append("，".join(clauses))
    floating = []
    if t["floating.contraceptives"]:
        floating.append(f"发放避孕药具{approx_count(int(t['floating.contraceptives']))}盒")
    if t["floating.checks"]:
        floating.append(f"康检{approx_count(int(t['floating.checks']))}人次")
    if floating:
        out.append("为流动人口" + "，".join(floating))
    return out


def subsidy_sentences(s: Summary) -> list[str]:
    t = s.total
    out: list[str] = []
    if t["condolence.households"]:
        out.append(
            f"为{t['condolence.households']}户贫困计生户发放慰问金和慰问品"
            f"共计{approx_wan(int(t['condolence.total_fen'] or 0))}"
        )
    if _known(t["reward.confirmed"], t["special.confirmed"]) and (
        t["reward.confirmed"] or t["special.confirmed"]
    ):
        out.append(
            f"确认奖励扶助对象{t['reward.confirmed']}名，特别扶助对象{t['special.confirmed']}名"
        )
    if not out and not s.subsidy_available:
        out.append("帮扶发放数据尚未录入本系统")
    elif not out:
        out.append("本期无帮扶发放")
    return out


def exemption_sentences(s: Summary) -> list[str]:
    t = s.total
    if not t["exemption.students"]:
        return ["本期无两免一补资助记录"]
    return [
        f"为{t['exemption.students']}名学生免除学杂费、课本费及补贴生活费用"
        f"共计{format_wan(int(t['exemption.amount_fen'] or 0), 1)}万元"
    ]


def indicator_sentences(s: Summary) -> list[str]:
    clauses = [
        format_indicator_sentence(s.indicator(key))
        for key in NARRATIVE_INDICATORS
        if any(r.key == key for r in s.indicators)
    ]
    return ["；".join(clauses)] if clauses else []


def title(s: Summary, district: str = "") -> str:
    where = district if s.unit.level == "district" and district else s.scope_name
    return f"{where}{s.period.label}工作情况汇报（草稿）"


def sections(s: Summary) -> list[Section]:
    return [
        Section("一、计划生育服务", tuple(kangjian_sentences(s))),
        Section("二、帮扶救助", tuple(subsidy_sentences(s))),
        Section("三、两免一补", tuple(exemption_sentences(s))),
        Section("四、主要指标完成情况", tuple(indicator_sentences(s))),
    ]


def _lead(s: Summary) -> str:
    return f"{s.period.label}，各项工作稳步推进，现将主要情况汇报如下。"


def _note(s: Summary) -> str:
    return (
        f"（本稿由民生台账根据{s.period.start.isoformat()}至{s.period.end.isoformat()}的记录"
        f"于{s.generated_at.replace('T', ' ')}生成，数字均为系统统计结果，约数按统一规则取整。）"
    )


def text(s: Summary, district: str = "") -> str:
    """The draft as plain text (title, lead, one paragraph per section, the note)."""
    lines = [title(s, district), "", _lead(s), ""]
    for section in sections(s):
        lines += [section.heading, section.text, ""]
    lines.append(_note(s))
    return "\n".join(lines) + "\n"


def write_txt(path: str | Path, s: Summary, district: str = "") -> None:
    Path(path).write_text(text(s, district), encoding="utf-8")


def write_docx(path: str | Path, s: Summary, district: str = "") -> None:
    """The draft as a Word document: 仿宋 body, 黑体 headings, A4 portrait."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    _east_asian(doc.styles["Normal"], "仿宋", 14)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title(s, district))
    run.bold = True
    _font(run, "黑体", 18)
    _body(doc, _lead(s))
    for section in sections(s):
        para = doc.add_paragraph()
        _font(para.add_run(section.heading), "黑体", 14)
        _body(doc, section.text)
    note = doc.add_paragraph()
    _font(note.add_run(_note(s)), "仿宋", 10.5)
    note.paragraph_format.space_before = Pt(12)
    doc.core_properties.title = title(s, district)
    doc.core_properties.author = "民生台账"
    doc.save(str(path))


def _body(doc: object, content: str) -> None:
    from docx.shared import Pt

    para = doc.add_paragraph()  # type: ignore[attr-defined]
    para.paragraph_format.first_line_indent = Pt(28)
    para.paragraph_format.line_spacing = 1.5
    _font(para.add_run(content), "仿宋", 14)


def _font(run: object, name: str, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name  # type: ignore[attr-defined]
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]


def _east_asian(style: object, name: str, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = name  # type: ignore[attr-defined]
    style.font.size = Pt(size)  # type: ignore[attr-defined]
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]
