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
    started = time.perf_counter()
    db = build_demo(path, scale=args.scale, progress=TextProgress())
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    db.conn.close()
    print(f"已生成示范区数据库 {path}：{persons} 人，用时 {time.perf_counter() - started:.1f} 秒。")
    print("登录：admin / demo（区管理员）；其他用户见 README。")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from desktop.domain.errors import ValidationError
    from desktop.store.errors import AccessDenied, AuthError, Cancelled, PeriodLocked, StorageError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.code
    except (ValidationError, AuthError, AccessDenied, PeriodLocked) as exc:
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
