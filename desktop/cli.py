"""The ``minsheng`` command. Every subcommand is a thin call into the layers below.

Exit status: 0 success, 2 bad input (nothing written), 1 a failure of the program or the machine.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop import __version__

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
PASSWORD_ENV = "MINSHENG_PASSWORD"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


# -- helpers ------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("minsheng", appauthor=False))


def resolve_db(args: argparse.Namespace, *, demo: bool = False) -> Path:
    if getattr(args, "db", None):
        return Path(args.db).expanduser()
    data_dir = (
        Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else default_data_dir()
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir / ("demo.db" if demo else "minsheng.db")


class TextProgress:
    """``progress(done, total, message)`` drawn as a bar on a terminal, silent otherwise."""

    def __init__(self, stream: Any = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 1.0
        bar = "█" * int(frac * self.width)
        self.stream.write(f"\r[{bar:<{self.width}}] {frac:6.1%} {message[:40]:<40}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def read_password(args: argparse.Namespace) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"用户 {args.user} 的密码：")
    raise CliError(f"需要密码：请设置环境变量 {PASSWORD_ENV}，或在终端中运行以便输入密码。")


def open_db(path: Path, *, must_exist: bool = True) -> Any:
    from desktop.store.db import open_database

    if must_exist and not path.exists():
        raise CliError(f"数据库文件不存在：{path}")
    return open_database(path)


def login(db: Any, args: argparse.Namespace) -> Any:
    from desktop.store.users import authenticate

    if not getattr(args, "user", None):
        raise CliError(
            "此命令需要指定用户：--user 用户名（密码取自环境变量 MINSHENG_PASSWORD 或在终端输入）。"
        )
    return authenticate(db, args.user, read_password(args))


# -- subcommands --------------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    path = resolve_db(args, demo=args.demo)
    if args.demo and not path.exists():
        from desktop.demo import build_demo

        print(f"正在生成示范区数据库：{path}", file=sys.stderr)
        build_demo(path, progress=TextProgress()).conn.close()
    password = os.environ.get(PASSWORD_ENV)
    user = args.user
    if args.demo and not user:
        user, password = "admin", "demo"
    precheck = None
    if user and password and path.exists():
        from desktop.store.users import PasswordCheck

        precheck = PasswordCheck(path, user, password)  # overlaps scrypt with importing Qt
    from desktop.ui.app import run

    options = argparse.Namespace(
        db=path,
        user=user,
        password=password,
        tab=args.tab,
        screenshot=Path(args.screenshot) if args.screenshot else None,
        demo_admin=bool(args.demo),
        precheck=precheck,
    )
    return run(options)


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.demo import build_demo

    path = Path(args.db).expanduser()
    if args.office:
        return _demo_office(args, path)
    started = time.perf_counter()
    db = build_demo(path, scale=args.scale, progress=TextProgress())
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    db.conn.close()
    print(f"已生成示范区数据库 {path}：{persons} 人，用时 {time.perf_counter() - started:.1f} 秒。")
    print("登录：admin / demo（区管理员）；其他用户见 README。")
    return EXIT_OK


def _demo_office(args: argparse.Namespace, path: Path) -> int:
    from desktop.demo import build_office

    if not args.district:
        raise CliError("生成办事处数据库需要 --district 区级数据库文件（不存在时会先生成）。")
    db = build_office(
        path,
        args.office,
        Path(args.district).expanduser(),
        scale=args.scale,
        progress=TextProgress(),
    )
    persons = db.execute("SELECT count(*) FROM persons WHERE office = ?", [args.office]).fetchone()
    db.conn.close()
    print(f"已生成办事处 {args.office} 的数据库 {path}：{persons[0]} 人，已安装区里签发的密钥。")
    print(f"登录：{args.office.lower()}_reviewer / demo（审核员）。")
    return EXIT_OK


def cmd_orgs(args: argparse.Namespace) -> int:
    from desktop.store.orgs import OrgTree

    db = open_db(resolve_db(args))
    tree = OrgTree.load(db)
    rows = []

    def walk(parent: str | None, depth: int) -> None:
        for unit in tree.children.get(parent, []):
            rows.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    if args.json:
        out = [
            {
                "id": u.id,
                "code": u.code,
                "name": u.name,
                "level": u.level,
                "parent": u.parent_id,
                "stat_code": u.stat_code,
            }
            for _, u in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        from desktop.domain.choices import ORG_LEVELS

        for depth, u in rows:
            code = u.code or ""
            print(
                f"{'  ' * depth}{u.name}\t{ORG_LEVELS.label(u.level)}\t{code}\t{u.stat_code or ''}"
            )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from desktop.store.check import run_checks

    db = open_db(resolve_db(args))
    user = login(db, args)
    if not user.is_admin:
        raise CliError("完整性检查需要区管理员账号。")
    problems = run_checks(db, progress=TextProgress())
    if problems:
        for p in problems:
            print(p)
        print(f"发现 {len(problems)} 个问题。", file=sys.stderr)
        return EXIT_FAIL
    print("检查通过：数据库完整，审计日志链完整，身份证号均有效。")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import datetime

    from desktop.store.db import backup

    path = resolve_db(args)
    db = open_db(path)
    target = (
        Path(args.output)
        if args.output
        else path.with_name(f"{path.stem}-备份-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")
    )
    backup(db, target)
    print(f"已备份到 {target}")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from desktop.imports.template import write_template

    output = Path(args.output).expanduser()
    if output.suffix.lower() != ".xlsx":
        raise CliError(f"模板文件名应以 .xlsx 结尾：{output}")
    db = user = None
    if args.db or args.data_dir:
        db = open_db(resolve_db(args))
        user = login(db, args) if args.user else None
    write_template(args.kind, output, db, user)
    print(f"已生成导入模板：{output}")
    return EXIT_OK


IMPORT_ERRORS_SHOWN = 20  # rejected rows listed on the terminal; all of them go to --errors-out


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.imports.pipeline import ImportRejected, run_import

    errors_out = Path(args.errors_out).expanduser() if args.errors_out else None
    if errors_out is not None and errors_out.suffix.lower() != ".xlsx":
        raise CliError(f"错误明细文件名应以 .xlsx 结尾：{errors_out}")
    db = open_db(resolve_db(args))
    user = login(db, args)
    try:
        report = run_import(
            db,
            user,
            args.kind,
            Path(args.file).expanduser(),
            skip_invalid=args.skip_invalid,
            errors_out=errors_out,
            progress=TextProgress(),
        )
    except ImportRejected as exc:
        print(exc.report.receipt())
        for error in exc.report.invalid[:IMPORT_ERRORS_SHOWN]:
            print(f"  第 {error.row} 行：{error.reason}", file=sys.stderr)
        more = exc.report.rejected - IMPORT_ERRORS_SHOWN
        if more > 0:
            print(f"  …另有 {more} 行有错误", file=sys.stderr)
        hint = (
            "请在错误明细中改正后导入该文件"
            if errors_out
            else "可加 --errors-out 错误.xlsx 导出有错的行（含原行号和错误原因）"
        )
        print(f"错误：{exc}。{hint}，或加 --skip-invalid 只导入正确的行。", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report.receipt())
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from desktop.domain.periods import parse_period
    from desktop.reports.export import FORMATS, export_summary, format_of

    output = Path(args.output).expanduser()
    format_of(output)  # a bad extension is bad input (exit 2) before the database is opened
    period = parse_period(args.period)
    db = open_db(resolve_db(args))
    office = args.office
    if args.user:  # optional: keep to the user's scope, and audit the export
        from desktop.store.door import WriteDoor
        from desktop.store.errors import AccessDenied

        user = login(db, args)
        if user.scope.communities is not None:  # a community's user: that community only
            office = office or user.scope_unit_id
            allowed = office == user.scope_unit_id
        else:
            office = office or user.office
            allowed = not office or user.scope.allows(office.upper())
        if not allowed:
            raise AccessDenied(f"用户 {user.name} 不能导出其管辖范围以外的汇总。")
        WriteDoor(db, user).log(
            "export", table="summary", detail={"file": output.name, "period": period.key}
        )
    try:
        export_summary(db, period, output, office, progress=TextProgress())
    except OSError as exc:
        raise CliError(f"无法写入 {output}：{exc.strerror or exc}", EXIT_FAIL) from exc
    print(f"已导出{FORMATS[output.suffix.lower()]}：{output}（{period.label}）")
    return EXIT_OK


# -- office packages ------------------------------------------------------------------------------


def _package_session(args: argparse.Namespace) -> tuple[Any, Any]:
    db = open_db(resolve_db(args))
    return db, login(db, args)


def _period_arg(text: str | None) -> Any:
    from desktop.domain.periods import parse_period

    return parse_period(text) if text else None


def cmd_package_export(args: argparse.Namespace) -> int:
    from desktop.store.packages import export_package

    db, user = _package_session(args)
    result = export_package(
        db,
        user,
        Path(args.output).expanduser(),
        period=_period_arg(args.period),
        to=args.to,
        full=args.all,
        progress=TextProgress(),
    )
    print(result.text())
    return EXIT_OK


def cmd_package_import(args: argparse.Namespace) -> int:
    from desktop.store.packages import import_package

    db, user = _package_session(args)
    receipts = []
    for name in args.files:
        receipt = import_package(db, user, Path(name).expanduser(), progress=TextProgress())
        print(receipt.text())
        receipts.append(receipt.as_dict())
    if args.receipt:
        Path(args.receipt).expanduser().write_text(
            json.dumps(receipts, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return EXIT_OK


def cmd_package_key(args: argparse.Namespace) -> int:
    from desktop.store.package_keys import KeyFile, install_key_file, issue_office_key

    db, user = _package_session(args)
    if args.key_action == "issue":
        key = issue_office_key(db, user, args.office)
        Path(args.output).expanduser().write_text(key.dumps(), encoding="utf-8")
        print(f"已为 {args.office} 签发密钥：{args.output}（请妥善交给该办事处，勿外传）")
    else:
        install_key_file(db, user, KeyFile.loads(Path(args.file).read_text(encoding="utf-8")))
        print("已安装报送包密钥。")
    return EXIT_OK


def cmd_package_status(args: argparse.Namespace) -> int:
    from desktop.store import package_approval as approval
    from desktop.store.door import WriteDoor

    db, user = _package_session(args)
    action = args.status_action
    if action != "list":
        office = args.office or user.office
        if not office:
            raise CliError("请用 --office 指明办事处。")
        period = _period_arg(args.period)
        if period is None:
            raise CliError("请用 --period 指明期间，如 2026Q1。")
        door = WriteDoor(db, user)
        text = args.comment or ""
        {
            "submit": approval.submit,
            "approve": approval.approve,
            "return": approval.return_with_comments,
            "reopen": approval.reopen,
        }[action](door, office, args.programme, period, text)
    for s in approval.submissions(db, args.office or user.office, args.period):
        comment = f"  意见：{s.comment}" if s.comment else ""
        print(f"{s.office}\t{s.period_key}\t{s.programme_label}\t{s.status_label}{comment}")
    return EXIT_OK


def cmd_package_conflicts(args: argparse.Namespace) -> int:
    from desktop.store import package_review as review

    db, user = _package_session(args)
    if args.resolve is not None:
        review.resolve_conflict(db, user, args.resolve, args.take)
        print(f"冲突 {args.resolve} 已按“{args.take}”处理。")
    for c in review.open_conflicts(db):
        fields = "、".join(c.differing())
        print(f"{c.seq}\t{c.label}\t{c.record_id}\t{c.origin}\t不同字段：{fields}")
        for name in c.differing():
            print(f"\t{name}：本地 {c.ours.get(name)!r} ｜ 报送 {c.theirs.get(name)!r}")
    return EXIT_OK


def cmd_package_checks(args: argparse.Namespace) -> int:
    from desktop.store.package_review import cross_office_issues

    db, _user = _package_session(args)
    issues = cross_office_issues(db)
    for issue in issues:
        print(issue.title)
        print(f"\tA：{json.dumps(issue.a, ensure_ascii=False)}")
        print(f"\tB：{json.dumps(issue.b, ensure_ascii=False)}")
    print(f"跨办事处核查：{len(issues)} 项待处理。")
    return EXIT_OK


def _add_package_parser(sub: Any) -> None:
    pkg = sub.add_parser("package", help="报送包：导出、导入、上报审核、冲突与跨办事处核查")
    psub = pkg.add_subparsers(dest="package_command", metavar="ACTION", required=True)
    p = psub.add_parser("export", help="导出报送包（办事处 → 区，或区 → 办事处）")
    _add_db(p, user=True)
    p.add_argument("--period", help="期间，如 2026Q1（与 --all 一起时只导出该期记录）")
    p.add_argument("--to", metavar="CODE", help="区级导出时：接收的办事处代码")
    p.add_argument("--all", action="store_true", help="导出全部记录，而不只是上次以来的改动")
    p.add_argument("-o", "--output", metavar="FILE", required=True)
    p.set_defaults(func=cmd_package_export)
    p = psub.add_parser("import", help="导入报送包（先验校验值和签名，不合格整包拒收）")
    p.add_argument("files", metavar="FILE", nargs="+")
    _add_db(p, user=True)
    p.add_argument("--receipt", metavar="FILE.json", help="把回执另存为 JSON 文件")
    p.set_defaults(func=cmd_package_import)
    p = psub.add_parser("key", help="签发（区）或安装（办事处）报送包密钥")
    p.add_argument("key_action", choices=("issue", "install"))
    p.add_argument("file", nargs="?", metavar="KEY.json", help="install：密钥文件")
    _add_db(p, user=True)
    p.add_argument("--office", metavar="CODE", help="issue：办事处代码")
    p.add_argument("-o", "--output", metavar="KEY.json", help="issue：密钥文件")
    p.set_defaults(func=cmd_package_key)
    p = psub.add_parser("status", help="报送状态：list / submit / approve / return / reopen")
    p.add_argument("status_action", choices=("list", "submit", "approve", "return", "reopen"))
    _add_db(p, user=True)
    p.add_argument("--office", metavar="CODE")
    p.add_argument("--period", help="期间，如 2026Q1")
    p.add_argument("--programme", default="kangjian", help="业务：kangjian / subsidy / exemption")
    p.add_argument("--comment", help="退回意见或重新打开的原因")
    p.set_defaults(func=cmd_package_status)
    p = psub.add_parser("conflicts", help="列出冲突，或 --resolve 编号 --take ours|theirs")
    _add_db(p, user=True)
    p.add_argument("--resolve", type=int, metavar="SEQ")
    p.add_argument("--take", choices=("ours", "theirs"), default="theirs")
    p.set_defaults(func=cmd_package_conflicts)
    p = psub.add_parser("checks", help="跨办事处核查：重复发放、两校资助、两个名册、暂缓记录")
    _add_db(p, user=True)
    p.set_defaults(func=cmd_package_checks)


# -- parser -------------------------------------------------------------------------------------


def _add_db(p: argparse.ArgumentParser, *, user: bool = False) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="FILE", help="数据库文件")
    where.add_argument("--data-dir", metavar="DIR", help="数据文件夹（其中的 minsheng.db）")
    if user:
        p.add_argument(
            "--user", metavar="NAME", help=f"以此用户操作（密码取自 {PASSWORD_ENV} 或终端输入）"
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minsheng",
        description="民生台账：康检、帮扶发放、两免一补台账与季度汇总（离线）",
    )
    parser.add_argument("--version", action="version", version=f"minsheng {__version__}")
    _add_db(parser, user=True)
    parser.add_argument(
        "--demo", action="store_true", help="打开示范区数据库（首次使用时生成），以区管理员登录"
    )
    parser.add_argument("--tab", metavar="NAME", help="打开时显示的页签，如 趋势图表 或 charts")
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="打开窗口、等数据显示后保存截图并退出"
    )
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="生成示范区数据库")
    p.add_argument("--db", metavar="FILE", required=True)
    p.add_argument("--scale", type=float, default=1.0, help="人口倍数（100 约为一百万人）")
    p.add_argument(
        "--office", metavar="CODE", help="生成该办事处自己的数据库（连同区里签发的密钥）"
    )
    p.add_argument("--district", metavar="FILE", help="--office 时：示范区数据库（不存在则先生成）")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("orgs", help="列出组织机构（区、办事处、社区）")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_orgs)

    p = sub.add_parser("check", help="检查数据库完整性、审计日志链和身份证号")
    _add_db(p, user=True)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="备份数据库（可在使用中进行）")
    _add_db(p)
    p.add_argument("-o", "--output", metavar="FILE")
    p.set_defaults(func=cmd_backup)

    kinds = "women、checks、procedures 等"
    p = sub.add_parser("template", help="生成导入模板（.xlsx）")
    p.add_argument("kind", metavar="KIND", help=f"导入类型：{kinds}")
    p.add_argument("-o", "--output", metavar="FILE.xlsx", required=True)
    _add_db(p, user=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", help="从 .xlsx / .xls / .csv 导入记录（全部正确才写入）")
    p.add_argument("kind", metavar="KIND", help=f"导入类型：{kinds}")
    p.add_argument("file", metavar="FILE", help=".xlsx、.xls 或 .csv 文件")
    _add_db(p, user=True)
    p.add_argument("--skip-invalid", action="store_true", help="只导入正确的行，跳过有错误的行")
    p.add_argument(
        "--errors-out", metavar="FILE.xlsx", help="把有错误的行（含原行号和错误原因）写入此文件"
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("report", help="导出季度汇总（.xlsx .pdf .docx .txt .csv .json）")
    _add_db(p, user=True)
    p.add_argument("--period", required=True, help="期间，如 2026Q1、2026、T2026")
    p.add_argument("--office", metavar="CODE", help="办事处代码（不填为全区）")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="格式由扩展名决定")
    p.set_defaults(func=cmd_report)
    _add_package_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from desktop.domain.errors import ValidationError
    from desktop.store.errors import AccessDenied, AuthError, Cancelled, PeriodLocked, StorageError
    from desktop.store.package_keys import PackageRefused

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.code
    except (ValidationError, AuthError, AccessDenied, PeriodLocked, PackageRefused) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Cancelled as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAIL
    except StorageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("\n已中断，未提交的改动已撤销。", file=sys.stderr)
        return EXIT_FAIL
