"""Chinese names of stored columns and readable stored values.

Screens that show a record field by field — the package conflicts and the cross-office checks at
the district — name each column as a clerk knows it (``hukou`` → 户籍类型) and show a coded value
by its label (``rural`` → 农村, ``amount_fen`` 48000 → 480.00 元, a flag 1 → 是). A column name
means the same in every table except those listed per table (a ``status`` of a payment is not the
``status`` of a qualification). A test checks that every column of every synced table is named.
"""

from __future__ import annotations

import json
from typing import Any

from desktop.domain.choices import (
    ACCOUNT_TYPES,
    BIRTH_POLICY,
    CHECK_PLACE,
    CONTRACEPTION,
    EXEMPTION_ITEMS,
    EXIT_REASONS,
    FLOATING,
    HARDSHIP,
    HUKOU,
    MARITAL,
    PAYMENT_STATUS,
    PROCEDURE_TYPES,
    PROGRAMMES,
    QUALIFICATION_STATUS,
    RELATIONS,
    ROSTER_EXIT,
    SCHOOL_STAGES,
    SEMESTERS,
    SEX,
    STANDARD_UNITS,
    SUBMISSION_STATUS,
    SUBSIDY_CATEGORY,
    SUBSIDY_KINDS,
    SUBSIDY_LEVELS,
    UNCHECKED_REASON,
    ChoiceList,
)
from desktop.domain.exemption import METHODS
from desktop.domain.ids import mask_id
from desktop.domain.kangjian import FLOATING_SERVICES, PREGNANCY_RESULTS, RING_RESULTS
from desktop.domain.money import format_yuan
from desktop.domain.phones import mask_phone
from desktop.domain.subsidy import mask_account

COLUMN_LABELS: dict[str, str] = {
    # the sync fields
    "id": "记录号",
    "office": "办事处",
    "rev": "版本",
    "updated_at": "修改时间",
    "updated_by": "修改人",
    "deleted": "已删除",
    # people
    "community_id": "社区",
    "name": "姓名",
    "pinyin": "拼音首字母",
    "id_number": "身份证号",
    "id_tail": "身份证号后四位",
    "sex": "性别",
    "birth_date": "出生日期",
    "phone": "联系电话",
    "hukou": "户籍类型",
    "entered_on": "登记日期",
    "created_on": "建档日期",
    "person_id": "人员",
    "address": "住址",
    "note": "备注",
    # births, deaths, population, funds
    "policy": "政策内外",
    "child_name": "婴儿姓名",
    "mother_name": "母亲姓名",
    "mother_id_number": "母亲身份证号",
    "death_date": "死亡日期",
    "as_of": "统计日期",
    "population": "总人口",
    "married_women": "已婚育龄妇女数",
    "contraception_users": "落实避孕措施人数",
    "period_start": "期间起",
    "period_end": "期间止",
    "budget_fen": "预算金额",
    "in_place_fen": "到位金额",
    # 康检
    "marriage_date": "结婚日期",
    "marital": "婚姻状况",
    "living_children": "现有子女数",
    "contraception": "避孕措施",
    "floating": "流动情况",
    "floating_where": "流动去向",
    "floating_since": "流动起始日期",
    "exit_date": "退出日期",
    "exit_reason": "退出原因",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "items": "检查项目",
    "communities": "社区范围",
    "campaign_id": "康检活动",
    "woman_id": "名册妇女",
    "checked": "已检",
    "check_date": "检查日期",
    "place": "检查地点",
    "ring_result": "查环结果",
    "pregnancy_result": "查孕结果",
    "disease_found": "发现妇科病",
    "advice_given": "给予医学建议",
    "unchecked_reason": "未检原因",
    "record_date": "填报日期",
    "eligible": "应检人数",
    "reason_migrant": "未检：外出",
    "reason_pregnant": "未检：怀孕",
    "reason_hospital": "未检：住院",
    "reason_checked_elsewhere": "未检：外地已检",
    "reason_refused": "未检：拒检",
    "reason_other": "未检：其他",
    "screen_date": "普查日期",
    "wife_name": "女方姓名",
    "wife_id_number": "女方身份证号",
    "husband_name": "男方姓名",
    "husband_id_number": "男方身份证号",
    "procedure_type": "手术类型",
    "procedure_date": "手术日期",
    "hospital": "手术医院",
    "service_date": "服务日期",
    "kind": "类别",
    "quantity": "数量",
    # 两免一补
    "code": "代码",
    "stage": "学段",
    "boarding": "寄宿",
    "school_id": "学校",
    "student_id": "学生",
    "student_no": "学籍号",
    "no_tail": "学籍号后四位",
    "grade": "年级",
    "class_name": "班级",
    "hardship": "困难类别",
    "hardship_confirmed_on": "困难认定日期",
    "enrolled_on": "入学日期",
    "left_on": "离开日期",
    "school_year": "学年",
    "semester": "学期",
    "item": "资助项目",
    "standard_id": "执行标准",
    "amount_fen": "金额",
    "granted_on": "发放日期",
    "method": "发放方式",
    "effective_from": "执行起始日期",
    "effective_to": "执行截止日期",
    # 帮扶发放
    "head_person_id": "户主",
    "poor": "贫困计生户",
    "poor_since": "认定为贫困户日期",
    "household_id": "户",
    "relation": "与户主关系",
    "joined_on": "入户日期",
    "programme_id": "帮扶项目",
    "category": "类别",
    "year": "年度",
    "status": "状态",
    "status_on": "状态日期",
    "start_on": "享受起始日期",
    "end_on": "享受截止日期",
    "confirmed_on": "年度确认日期",
    "confirmed_by": "确认人",
    "posted_from": "公示起始日期",
    "posted_to": "公示截止日期",
    "batch_no": "批次号",
    "covered_start": "发放期间起",
    "covered_end": "发放期间止",
    "pay_date": "发放日期",
    "people": "人数",
    "total_fen": "合计金额",
    "proposed_by": "生成人",
    "approved_by": "审批人",
    "approved_at": "审批时间",
    "qualification_id": "资格记录",
    "batch_id": "发放批次",
    "goods_fen": "慰问品价值",
    "goods_desc": "慰问品",
    "account_type": "账户类型",
    "account_no": "账号",
    "return_reason": "退回原因",
    "returned_on": "退回日期",
    "repaid_on": "补发日期",
    "level": "级别",
    "unit": "计发单位",
    # names joined in by listings (cross-office checks)
    "school": "学校",
    # reporting
    "programme": "业务",
    "period_key": "报送期",
    "comment": "意见",
}

TABLE_COLUMN_LABELS: dict[tuple[str, str], str] = {
    ("payments", "programme"): "帮扶项目",
    ("schools", "name"): "学校名称",
    ("students", "name"): "学生姓名",
    ("subsidy_programmes", "name"): "项目名称",
    ("subsidy_programmes", "code"): "项目代码",
    ("schools", "code"): "学校代码",
    ("campaigns", "name"): "活动名称",
    ("procedures", "name"): "受术者姓名",
    ("deaths", "name"): "死者姓名",
    ("screenings", "name"): "姓名",
    ("floating_services", "kind"): "服务类别",
    ("subsidy_programmes", "kind"): "发放形式",
    ("subsidy_standards", "category"): "类别",
    ("qualifications", "status"): "资格状态",
    ("payments", "status"): "发放状态",
    ("submissions", "status"): "报送状态",
    ("students", "boarding"): "寄宿生",
    ("exemptions", "boarding"): "寄宿生",
    ("schools", "boarding"): "有寄宿",
    ("qualifications", "exit_reason"): "退出 / 暂停原因",
}

COLUMN_CHOICES: dict[str, ChoiceList] = {
    "sex": SEX,
    "hukou": HUKOU,
    "policy": BIRTH_POLICY,
    "marital": MARITAL,
    "contraception": CONTRACEPTION,
    "floating": FLOATING,
    "place": CHECK_PLACE,
    "ring_result": RING_RESULTS,
    "pregnancy_result": PREGNANCY_RESULTS,
    "unchecked_reason": UNCHECKED_REASON,
    "procedure_type": PROCEDURE_TYPES,
    "stage": SCHOOL_STAGES,
    "semester": SEMESTERS,
    "item": EXEMPTION_ITEMS,
    "method": METHODS,
    "hardship": HARDSHIP,
    "relation": RELATIONS,
    "category": SUBSIDY_CATEGORY,
    "account_type": ACCOUNT_TYPES,
    "level": SUBSIDY_LEVELS,
    "unit": STANDARD_UNITS,
}

TABLE_CHOICES: dict[tuple[str, str], ChoiceList] = {
    ("submissions", "programme"): PROGRAMMES,
    ("women", "exit_reason"): ROSTER_EXIT,
    ("qualifications", "exit_reason"): EXIT_REASONS,
    ("qualifications", "status"): QUALIFICATION_STATUS,
    ("payments", "status"): PAYMENT_STATUS,
    ("submissions", "status"): SUBMISSION_STATUS,
    ("floating_services", "kind"): FLOATING_SERVICES,
    ("subsidy_programmes", "kind"): SUBSIDY_KINDS,
}

# 0/1 columns, shown as 是 / 否
FLAGS = frozenset({"deleted", "checked", "disease_found", "advice_given", "boarding", "poor"})


def column_label(table: str, column: str) -> str:
    """The Chinese name of ``table.column``; the column's own name if it has none."""
    return TABLE_COLUMN_LABELS.get((table, column)) or COLUMN_LABELS.get(column, column)


def choices_for(table: str, column: str) -> ChoiceList | None:
    """The choice list of a coded column, if it is one."""
    return TABLE_CHOICES.get((table, column)) or COLUMN_CHOICES.get(column)


def value_text(table: str, column: str, value: Any) -> str:
    """A stored value as a clerk reads it: choices by their label, money in 元, flags 是 / 否,
    a JSON list (a campaign's items) joined with 、; anything else as it is stored. None is the
    empty string."""
    if value is None or value == "":
        return ""
    choices = choices_for(table, column)
    if choices is not None and isinstance(value, str) and value in choices:
        return choices.label(value)
    if column.endswith("_fen") and isinstance(value, int):
        return f"{format_yuan(value)} 元"
    if column in FLAGS and value in (0, 1):
        return "是" if value else "否"
    if isinstance(value, str) and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list):
            return "、".join(str(k) for k in items)
    return str(value)


# Sensitive columns and how a listing shows them (the record's own screen reveals, audited)
MASKS = {
    "id_number": mask_id,
    "mother_id_number": mask_id,
    "wife_id_number": mask_id,
    "husband_id_number": mask_id,
    "phone": mask_phone,
    "account_no": mask_account,
}


def masked_text(table: str, column: str, value: Any) -> str:
    """:func:`value_text`, with ID numbers, phones and accounts masked."""
    mask = MASKS.get(column)
    if mask is not None and value:
        return mask(str(value))
    return value_text(table, column, value)
