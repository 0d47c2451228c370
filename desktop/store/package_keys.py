"""Who this installation is in the package exchange, and the Ed25519 keys that sign packages.

The district issues each office a key pair (:func:`issue_office_key`) and keeps only the public
key (``package_keys``); the office installs the key file (:func:`install_key_file`), which also
carries the district's public key, so that the office can check the district's return packages.
The private key of an installation lives in its own ``settings`` (``package_identity``).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desktop.store import audit
from desktop.store.audit import now_iso
from desktop.store.db import get_setting, set_setting, transaction
from desktop.store.errors import AccessDenied, StorageError
from desktop.store.users import User

DISTRICT = "DISTRICT"  # the office code of district-wide records and of the district's packages
IDENTITY_KEY = "package_identity"


class PackageRefused(StorageError):
    """A package that cannot be read, is not for this installation, or fails its checksum or
    signature: refused whole, nothing written."""


@dataclass(frozen=True)
class KeyFile:
    """What the district hands an office (as a small JSON file) together with its database."""

    office: str
    private_key: str  # base64 raw Ed25519
    district_public_key: str

    def dumps(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)

    @classmethod
    def loads(cls, text: str) -> KeyFile:
        try:
            data = json.loads(text)
            return cls(
                str(data["office"]), str(data["private_key"]), str(data["district_public_key"])
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError("密钥文件格式不正确，请向区管理员重新索取。") from exc


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _public_b64(key: Ed25519PrivateKey) -> str:
    return _b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def _private_b64(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def identity(db: sqlite_utils.Database) -> str:
    """The office code of this installation, or DISTRICT for the district's database."""
    value = get_setting(db, IDENTITY_KEY) or {}
    return str(value.get("office") or DISTRICT)


def is_district(db: sqlite_utils.Database) -> bool:
    return identity(db) == DISTRICT


def _store_key(conn: sqlite3.Connection, office: str, public: str, by: str) -> None:
    conn.execute(
        "INSERT INTO package_keys(office, public_key, issued_at, issued_by) VALUES (?,?,?,?)"
        " ON CONFLICT(office) DO UPDATE SET public_key = excluded.public_key,"
        " issued_at = excluded.issued_at, issued_by = excluded.issued_by, revoked_at = NULL",
        [office, public, now_iso(), by],
    )


def ensure_district_key(db: sqlite_utils.Database, user: User) -> str:
    """The district's public key, creating the district's key pair on first use."""
    if not is_district(db):
        raise AccessDenied("只有区级数据库有区级签名密钥。")
    value = get_setting(db, IDENTITY_KEY) or {}
    if value.get("private_key"):
        return _public_b64(_load_private(value["private_key"]))
    key = Ed25519PrivateKey.generate()
    with transaction(db) as conn:
        set_setting(conn, IDENTITY_KEY, {"office": None, "private_key": _private_b64(key)})
        _store_key(conn, DISTRICT, _public_b64(key), user.name)
        audit.append(
            conn,
            [audit.Entry(now_iso(), user.name, "key_create", "package_keys", DISTRICT, DISTRICT)],
        )
    return _public_b64(key)


def issue_office_key(db: sqlite_utils.Database, user: User, office: str) -> KeyFile:
    """A new key pair for ``office``: the public half stays here, the key file goes to the office.
    Issuing again replaces the office's key (packages signed with the old one are refused)."""
    if not user.is_admin or user.office is not None:
        raise AccessDenied("只有区管理员可以为办事处签发密钥。")
    known = db.execute(
        "SELECT 1 FROM org_units WHERE level = 'office' AND code = ?", [office]
    ).fetchone()
    if known is None:
        raise StorageError(f"没有代码为 {office} 的办事处。")
    district_public = ensure_district_key(db, user)
    key = Ed25519PrivateKey.generate()
    public = _public_b64(key)
    with transaction(db) as conn:
        _store_key(conn, office, public, user.name)
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(),
                    user.name,
                    "key_issue",
                    "package_keys",
                    office,
                    office,
                    None,
                    {"public_key": public},
                )
            ],
        )
    return KeyFile(office, _private_b64(key), district_public)


def install_key_file(db: sqlite_utils.Database, user: User, key: KeyFile) -> None:
    """Make this installation the office of ``key``: its private key and the district's public key."""
    if not user.is_admin and user.office != key.office:
        raise AccessDenied(f"只能为本办事处安装密钥（密钥属于 {key.office}）。")
    private = _load_private(key.private_key)
    with transaction(db) as conn:
        set_setting(
            conn, IDENTITY_KEY, {"office": key.office, "private_key": _private_b64(private)}
        )
        _store_key(conn, DISTRICT, key.district_public_key, user.name)
        _store_key(conn, key.office, _public_b64(private), user.name)
        audit.append(
            conn,
            [
                audit.Entry(
                    now_iso(), user.name, "key_install", "package_keys", key.office, key.office
                )
            ],
        )


def _load_private(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def sign(db: sqlite_utils.Database, data: bytes) -> bytes:
    value: dict[str, Any] = get_setting(db, IDENTITY_KEY) or {}
    if not value.get("private_key"):
        raise StorageError(
            "本数据库还没有报送包签名密钥：办事处请安装区里签发的密钥文件；区级请先签发密钥。"
        )
    return _load_private(value["private_key"]).sign(data)


def verify(db: sqlite_utils.Database, origin: str, data: bytes, signature: bytes) -> None:
    row = db.execute(
        "SELECT public_key, revoked_at FROM package_keys WHERE office = ?", [origin]
    ).fetchone()
    if row is None or row[1]:
        raise PackageRefused(f"没有登记 {origin} 的签名公钥，无法验证此报送包，已拒收。")
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(row[0])).verify(signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise PackageRefused(
            f"报送包签名验证失败（不是 {origin} 的密钥签发，或内容被改动），已拒收，未写入任何数据。"
        ) from exc
