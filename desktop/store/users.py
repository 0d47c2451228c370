"""Users, roles, password hashes and log-in.

Passwords are kept only as a memory-hard scrypt hash (hashlib, OpenSSL), never in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from desktop.domain.choices import ROLES
from desktop.domain.errors import Problem, ValidationError
from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import transaction
from desktop.store.errors import AccessDenied, AuthError
from desktop.store.orgs import OrgTree, Scope

# scrypt cost: 2**14 × 8 × 128 B = 16 MiB per hash, ~50 ms here; the parameters are stored with
# each hash so they can be raised later without invalidating old ones.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str  # clerk / reviewer / admin
    scope_unit_id: str
    scope: Scope
    office: str | None  # office code for office/community users; None at the district
    can_reveal: bool = False

    @property
    def role_label(self) -> str:
        return ROLES.label(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


SYSTEM = User("system", "系统", "admin", "", Scope.everything(), None, True)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode("utf-8"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(base64.b64decode(digest)),
    )
    return hmac.compare_digest(got, base64.b64decode(digest))


def has_users(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def load_user(db: sqlite_utils.Database, name: str, tree: OrgTree | None = None) -> User:
    row = db.execute(
        "SELECT name, display_name, role, scope_unit_id, can_reveal, disabled FROM users WHERE name = ?",
        [name],
    ).fetchone()
    if row is None or row[5]:
        raise AuthError("用户名或密码错误")
    tree = tree or OrgTree.load(db)
    return User(
        name=row[0],
        display_name=row[1],
        role=row[2],
        scope_unit_id=row[3],
        scope=tree.scope_of(row[3]),
        office=tree.office_of(row[3]),
        can_reveal=bool(row[4]),
    )


class PasswordCheck:
    """Verify a password on a background thread while the caller goes on starting up.

    scrypt is deliberately slow (~45 ms) and releases the GIL, so the command line starts it before
    importing Qt and hands it to :func:`authenticate`, which uses the result only if it was
    computed for the same user, password and stored hash. The thread opens its own read-only
    connection (a SQLite connection belongs to the thread that opened it).
    """

    def __init__(self, db_path: str | Path, name: str, password: str):
        self.name = name.strip()
        self._password = password
        self._stored: str | None = None
        self._ok = False
        self._thread = threading.Thread(target=self._run, args=(str(db_path),), daemon=True)
        self._thread.start()

    def _run(self, db_path: str) -> None:
        try:
            conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            try:
                row = conn.execute(
                    "SELECT password_hash, disabled FROM users WHERE name = ?", [self.name]
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return  # authenticate() will check again and report properly
        if row is not None and not row[1]:
            self._stored = row[0]
            self._ok = check_password(self._password, row[0])

    def result_for(self, name: str, password: str, stored: str) -> bool | None:
        """The verdict if it applies to exactly this attempt, else None."""
        self._thread.join()
        if self._stored is None or name.strip() != self.name or stored != self._stored:
            return None
        if not hmac.compare_digest(password.encode("utf-8"), self._password.encode("utf-8")):
            return None
        return self._ok


def authenticate(
    db: sqlite_utils.Database, name: str, password: str, precheck: PasswordCheck | None = None
) -> User:
    """The user, or AuthError. The log-in (success or failure) is audited."""
    row = db.execute(
        "SELECT password_hash, disabled FROM users WHERE name = ?", [name.strip()]
    ).fetchone()
    ok = False
    if row is not None and not row[1]:
        verdict = precheck.result_for(name, password, row[0]) if precheck else None
        ok = verdict if verdict is not None else check_password(password, row[0])
    with transaction(db) as conn:
        audit.append(
            conn, [audit.Entry(now_iso(), name.strip() or "?", "login" if ok else "login_failed")]
        )
    if not ok:
        raise AuthError("用户名或密码错误，请重新输入。")
    return load_user(db, name.strip())


def create_user(
    db: sqlite_utils.Database,
    by: User,
    name: str,
    password: str,
    role: str,
    scope_unit_id: str,
    display_name: str | None = None,
    can_reveal: bool = False,
) -> User:
    """Create a user. Only an administrator may (or the system, for the first one)."""
    if by is not SYSTEM and not by.is_admin:
        raise AccessDenied("只有区管理员可以添加用户。")
    name = name.strip()
    problems: list[Problem] = []
    if not name:
        problems.append(Problem("用户名", "不能为空"))
    if len(password) < 4:
        problems.append(Problem("密码", "至少 4 个字符"))
    role = ROLES.key(role)
    tree = OrgTree.load(db)
    if scope_unit_id not in tree.units:
        problems.append(Problem("管辖范围", "所选单位不存在"))
    if problems:
        raise ValidationError(problems)
    if by is not SYSTEM and not by.scope.allows(tree.office_of(scope_unit_id)):
        raise AccessDenied("不能为管辖范围以外的单位添加用户。")
    with transaction(db) as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise ValidationError.single("用户名", f"“{name}”已存在")
        record = {
            "name": name,
            "display_name": display_name or name,
            "role": role,
            "scope_unit_id": scope_unit_id,
            "can_reveal": int(can_reveal),
            "created_at": now_iso(),
        }
        conn.execute(
            "INSERT INTO users(name, display_name, role, scope_unit_id, password_hash, can_reveal,"
            " created_at) VALUES (:name, :display_name, :role, :scope_unit_id, :hash, :can_reveal,"
            " :created_at)",
            {**record, "hash": hash_password(password)},
        )
        audit.append(
            conn,
            [audit.Entry(now_iso(), by.name, "user_create", "users", name, None, None, record)],
        )
    return load_user(db, name, tree)


def list_users(db: sqlite_utils.Database) -> list[dict[str, object]]:
    return [
        dict(r)
        for r in db.query(
            "SELECT name, display_name, role, scope_unit_id, can_reveal, disabled FROM users ORDER BY name"
        )
    ]
