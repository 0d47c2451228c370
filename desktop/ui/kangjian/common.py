"""What the pages of the 康检活动 tab share: the search box's conditions (re-exported from
``store.kangjian_lookup``), the communities and campaigns in the user's scope, labels of choice
keys, and how a refusal of the door is said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox

from desktop.domain.choices import ChoiceList
from desktop.domain.errors import ValidationError
from desktop.store.errors import AccessDenied, PeriodLocked, StorageError
from desktop.store.kangjian import Campaign, CampaignKey, list_campaigns
from desktop.store.kangjian_lookup import search_condition as search_condition  # re-export
from desktop.store.orgs import OrgUnit
from desktop.ui.context import AppContext
from desktop.ui.i18n import fill

# Refusals of the write door and of the storage: shown next to what was being done, never a crash.
WRITE_ERRORS: tuple[type[BaseException], ...] = (
    ValidationError, AccessDenied, PeriodLocked, StorageError,
)


def offices_in_scope(ctx: AppContext) -> list[str]:
    return [o.code for o in ctx.tree.offices() if o.code and ctx.user.scope.allows(o.code)]


def communities_in_scope(ctx: AppContext) -> list[OrgUnit]:
    tree, scope = ctx.tree, ctx.user.scope
    return [c for c in tree.communities() if scope.allows(tree.office_of(c.id), c.id)]


def community_label(ctx: AppContext, unit_id: str, with_office: bool) -> str:
    unit = ctx.tree.units.get(unit_id)
    if unit is None:
        return ""
    office = ctx.tree.units.get(unit.parent_id or "")
    return f"{office.name} · {unit.name}" if with_office and office else unit.name


def fill_communities(ctx: AppContext, combo: QComboBox, all_label: str | None,
                     units: Sequence[OrgUnit] | None = None) -> None:
    """Communities in scope (office named too when there are several offices); a community user's
    one community is chosen and the combo disabled."""
    units = list(units if units is not None else communities_in_scope(ctx))
    combo.clear()
    if all_label is not None:
        combo.addItem(all_label, None)
    many_offices = len({ctx.tree.office_of(c.id) for c in units}) > 1
    for unit in units:
        combo.addItem(community_label(ctx, unit.id, many_offices), unit.id)
    if len(units) == 1 and all_label is not None:
        combo.setCurrentIndex(1)
        combo.setEnabled(False)


def label_of(choices: ChoiceList, key: Any) -> str:
    """The label of a stored key; an unexpected value is shown as it is."""
    if key is None or key == "":
        return ""
    try:
        return choices.label(str(key))
    except ValidationError:
        return str(key)


def error_text(exc: BaseException) -> str:
    """A refusal as one message (each problem on its own line, without repeating the field)."""
    if isinstance(exc, ValidationError) and exc.problems:
        return "\n".join(
            f"{p.field}：{p.message}" if p.field else p.message for p in exc.problems
        )
    return str(exc)


# -- campaigns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignChoice:
    """One entry of the campaign picker: an office's campaign, or (for users who see several
    offices) every office's campaign of the same name and dates."""

    label: str
    campaigns: tuple[Campaign, ...]

    @property
    def key(self) -> CampaignKey:
        return self.campaigns[0].key

    @property
    def ref(self) -> str | CampaignKey:
        """What the store's campaign queries take."""
        return self.campaigns[0].id if len(self.campaigns) == 1 else self.key

    @property
    def start_date(self) -> date:
        return self.campaigns[0].start_date

    @property
    def end_date(self) -> date:
        return self.campaigns[0].end_date

    @property
    def name(self) -> str:
        return self.campaigns[0].name

    def for_office(self, office: str | None) -> Campaign | None:
        return next((c for c in self.campaigns if c.office == office), None)

    def offices(self) -> list[str]:
        return [c.office for c in self.campaigns]


def campaign_choices(ctx: AppContext) -> list[CampaignChoice]:
    """The campaigns in the user's scope, newest first; grouped by name and dates when the user
    sees several offices."""
    campaigns = list_campaigns(ctx.db, ctx.user.scope)
    groups: dict[CampaignKey, list[Campaign]] = {}
    for campaign in campaigns:
        groups.setdefault(campaign.key, []).append(campaign)
    many_offices = len(offices_in_scope(ctx)) > 1
    choices = []
    for key, members in groups.items():
        span = f"{key.start_date} 至 {key.end_date}"
        if many_offices:
            label = fill(QCoreApplication.translate("kangjian", "%1（%2，%3 个办事处）"),
                         key.name, span, len(members))
        else:
            label = f"{key.name}（{span}）"
        choices.append(CampaignChoice(label, tuple(members)))
    return choices


def campaign_communities(ctx: AppContext, choice: CampaignChoice) -> list[OrgUnit]:
    """The communities in the user's scope that the campaign covers."""
    found = []
    for unit in communities_in_scope(ctx):
        campaign = choice.for_office(ctx.tree.office_of(unit.id))
        if campaign is not None and (campaign.communities is None
                                     or unit.id in campaign.communities):
            found.append(unit)
    return found


def check_day(choice: CampaignChoice, today: date | None = None) -> date:
    """Today, clamped into the campaign (a campaign over: its last day; not begun: its first)."""
    today = today or date.today()
    return min(max(today, choice.start_date), choice.end_date)
