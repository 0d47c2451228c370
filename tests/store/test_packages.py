"""Office packages: export, verification, merge (new, newer, tombstones, conflicts), receipts."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from desktop.store import audit
from desktop.store.errors import AccessDenied
from desktop.store.package_keys import PackageRefused, issue_office_key, sign
from desktop.store.package_review import open_conflicts, resolve_conflict
from desktop.store.packages import (
    export_package,
    import_package,
    office_audit_rows,
    open_package,
)
from tests.store import test_packages_world as world
from tests.store.test_packages_world import Loop, snapshot

loop_template, loop = world.loop_template, world.loop  # the fixtures


def _new_birth(loop: Loop, code: str, name: str, day: str = "2026-03-01") -> str:
    return loop.door(code).insert(
        "births",
        {
            "community_id": loop.community(code),
            "birth_date": day,
            "sex": "F",
            "policy": "in_policy",
            "child_name": name,
        },
    )


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def _row(db, table: str, record_id: str) -> dict:  # type: ignore[no-untyped-def]
    return dict(next(db.query(f"SELECT * FROM {table} WHERE id = ?", [record_id])))


def test_new_changed_and_deleted_records_reach_the_district(loop: Loop) -> None:
    new_id = _new_birth(loop, "A", "新生")
    changed, deleted = [b["id"] for b in loop.births("A")[:2]]
    loop.door("A").update("births", changed, {"child_name": "改名"})
    loop.door("A").delete("births", deleted)

    package = loop.export("A")
    receipt = loop.to_district(package)

    births = receipt.tables["births"]
    assert (births.new, births.updated, births.conflicts, births.refused) == (1, 2, 0, 0)
    assert _row(loop.district, "births", new_id)["child_name"] == "新生"
    assert _row(loop.district, "births", changed)["child_name"] == "改名"
    assert _row(loop.district, "births", changed)["rev"] == 2
    assert _row(loop.district, "births", deleted)["deleted"] == 1
    # the office's audit rows are kept as received; the district's own chain records the import
    kept = list(office_audit_rows(loop.district, "A", changed))
    assert [r["action"] for r in kept] == ["update"]
    assert kept[0]["user"] == "clerk_a"
    assert (
        loop.district.execute(
            "SELECT count(*) FROM audit WHERE action = 'package_import'"
        ).fetchone()[0]
        == 1
    )
    assert audit.verify(loop.district) == []
    # the receipt is saved with the import
    saved = json.loads(
        loop.district.execute(
            "SELECT receipt FROM package_log WHERE direction = 'import'"
        ).fetchone()[0]
    )
    assert saved["tables"]["births"]["new"] == 1


def test_importing_twice_changes_nothing(loop: Loop) -> None:
    _new_birth(loop, "A", "新生")
    package = loop.export("A")
    loop.to_district(package)
    before = snapshot(loop.district)
    again = loop.to_district(package)
    assert snapshot(loop.district) == before
    assert again.total("new") == again.total("updated") == 0


def test_only_changes_since_the_last_package_are_sent(loop: Loop) -> None:
    _new_birth(loop, "A", "一")
    first = open_package(loop.export("A"))
    assert first.manifest["tables"]["births"]["count"] == 1
    _new_birth(loop, "A", "二")
    second = open_package(loop.export("A"))
    assert second.manifest["tables"]["births"]["count"] == 1
    full = open_package(loop.export("A", full=True))
    assert full.manifest["tables"]["births"]["count"] == 5


def test_an_altered_byte_is_refused_with_nothing_written(loop: Loop, tmp_path: Path) -> None:
    _new_birth(loop, "A", "新生")
    good = loop.export("A")
    members = _members(good)
    data = bytearray(members["tables/births.jsonl"])
    data[data.index(b"\xe6\x96\xb0")] ^= 0x01  # one byte of 新
    members["tables/births.jsonl"] = bytes(data)
    bad = tmp_path / "bad.zip"
    _rezip(bad, members)
    before = snapshot(loop.district)
    seq = loop.district.execute("SELECT max(seq) FROM audit").fetchone()[0]
    with pytest.raises(PackageRefused, match="校验值不符"):
        loop.to_district(bad)
    assert snapshot(loop.district) == before
    assert loop.district.execute("SELECT max(seq) FROM audit").fetchone()[0] == seq

    # a byte flipped in the raw file (not re-zipped) is refused too
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(PackageRefused):
        loop.to_district(flipped)
    assert snapshot(loop.district) == before


def test_a_manifest_changed_and_rehashed_fails_the_signature(loop: Loop, tmp_path: Path) -> None:
    _new_birth(loop, "A", "新生")
    good = loop.export("A")
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    manifest["created_by"] = "someone_else"
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    _rezip(forged, members)
    before = snapshot(loop.district)
    with pytest.raises(PackageRefused, match="签名验证失败"):
        loop.to_district(forged)
    assert snapshot(loop.district) == before


def test_a_reissued_key_refuses_packages_signed_with_the_old_one(loop: Loop) -> None:
    _new_birth(loop, "A", "新生")
    package = loop.export("A")
    issue_office_key(loop.district, loop.admin, "A")
    with pytest.raises(PackageRefused, match="签名"):
        loop.to_district(package)


def test_records_of_another_office_refuse_the_whole_package(loop: Loop, tmp_path: Path) -> None:
    """An office signs only its own records: a package smuggling B's record is refused whole."""
    _new_birth(loop, "A", "新生")
    b_record = loop.births("B")[0]
    package = loop.export("A")
    members = _members(package)
    assert b_record["office"] == "B"
    # re-sign a manifest listing a B record with A's key: the signature holds, the office check not
    columns = json.loads(members["manifest.json"])["tables"]["births"]["columns"]
    forged = {**b_record, "child_name": "冒名", "rev": 9}
    line = json.dumps([forged[c] for c in columns] + [None])
    body = members["tables/births.jsonl"] + line.encode() + b"\n"
    manifest = json.loads(members["manifest.json"])
    manifest["members"]["tables/births.jsonl"] = hashlib.sha256(body).hexdigest()
    manifest["tables"]["births"]["count"] += 1
    members["tables/births.jsonl"] = body
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sig"] = sign(loop.offices["A"], members["manifest.json"]).hex().encode()
    smuggled = tmp_path / "smuggled.zip"
    _rezip(smuggled, members)
    before = snapshot(loop.district)
    with pytest.raises(PackageRefused, match="不是 A 可以报送的"):
        loop.to_district(smuggled)
    assert snapshot(loop.district) == before


def test_a_package_for_someone_else_is_refused(loop: Loop) -> None:
    package = loop.back("A")
    with pytest.raises(PackageRefused, match="发给 A"):
        loop.into_office("B", package)
    with pytest.raises(PackageRefused):
        loop.to_district(loop.back("B"))  # the district's own package to B


def test_a_clerk_cannot_export_or_import(loop: Loop, tmp_path: Path) -> None:
    with pytest.raises(AccessDenied):
        export_package(loop.offices["A"], loop.user("A", "clerk"), tmp_path / "p.zip")
    package = loop.back("A")
    with pytest.raises(AccessDenied):
        import_package(loop.offices["A"], loop.user("A", "clerk"), package)


def test_both_sides_changing_a_record_keeps_both_versions(loop: Loop) -> None:
    record = loop.births("A")[0]["id"]
    loop.door("A").update("births", record, {"child_name": "办事处改"})
    loop.door("district").update("births", record, {"child_name": "区里改"})

    receipt = loop.to_district(loop.export("A"))
    assert receipt.tables["births"].conflicts == 1
    assert _row(loop.district, "births", record)["child_name"] == "区里改"  # nothing overwritten
    [conflict] = open_conflicts(loop.district)
    assert conflict.ours["child_name"] == "区里改"
    assert conflict.theirs["child_name"] == "办事处改"
    assert conflict.differing()[0] == "child_name"
    assert conflict.theirs["updated_by"] == "clerk_a"

    resolve_conflict(loop.district, loop.admin, conflict.seq, "theirs")
    row = _row(loop.district, "births", record)
    assert (row["child_name"], row["rev"], row["updated_by"]) == ("办事处改", 3, "admin")
    assert open_conflicts(loop.district) == []
    entry = loop.district.execute(
        "SELECT after FROM audit WHERE action = 'conflict_resolve' AND record_id = ?", [record]
    ).fetchone()[0]
    assert json.loads(entry)["choice"] == "theirs"

    # the choice reaches the office, whose version it supersedes
    back = loop.into_office("A", loop.back("A"))
    assert back.tables["births"].updated == 1
    office_row = _row(loop.offices["A"], "births", record)
    assert (office_row["child_name"], office_row["rev"]) == ("办事处改", 3)
    # and the next office package does not send it again or raise a conflict
    again = loop.to_district(loop.export("A"))
    assert again.total("conflicts") == 0


def test_an_edited_choice_is_written_and_audited(loop: Loop) -> None:
    record = loop.births("A")[0]["id"]
    loop.door("A").update("births", record, {"child_name": "甲"})
    loop.door("district").update("births", record, {"child_name": "乙"})
    loop.to_district(loop.export("A"))
    [conflict] = open_conflicts(loop.district)
    resolve_conflict(loop.district, loop.admin, conflict.seq, "edited", {"child_name": "丙"})
    assert _row(loop.district, "births", record)["child_name"] == "丙"


def test_older_package_after_newer_changes_nothing(loop: Loop) -> None:
    record = loop.births("A")[0]["id"]
    loop.door("A").update("births", record, {"child_name": "第一次"})
    first = loop.export("A")
    loop.door("A").update("births", record, {"child_name": "第二次"})
    second = loop.export("A")
    loop.to_district(second)
    receipt = loop.to_district(first)
    assert receipt.tables["births"].unchanged == 1
    assert _row(loop.district, "births", record)["child_name"] == "第二次"


def test_district_data_goes_to_every_office(loop: Loop) -> None:
    standard = loop.district.execute("SELECT id FROM aid_standards LIMIT 1").fetchone()[0]
    loop.district.execute(
        "UPDATE aid_standards SET note = '区里更新', rev = rev + 1 WHERE id = ?", [standard]
    )
    for code in ("A", "B"):
        receipt = loop.into_office(code, loop.back(code))
        assert receipt.tables["aid_standards"].updated == 1
        assert _row(loop.offices[code], "aid_standards", standard)["note"] == "区里更新"


def test_a_missing_package_shows_as_a_gap_in_the_office_audit(loop: Loop) -> None:
    _new_birth(loop, "A", "一")
    first = loop.export("A")
    _new_birth(loop, "A", "二")
    loop.export("A")  # lost in the mail
    _new_birth(loop, "A", "三")
    third = loop.export("A")
    assert loop.to_district(first).notices == []
    receipt = loop.to_district(third)
    assert any("不衔接" in n for n in receipt.notices)


def _rezip_deflated(path: Path, members: dict[str, bytes], level: int) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def test_the_audit_rows_are_checked_on_their_deflate_stream(loop: Loop, tmp_path: Path) -> None:
    """The audit member is kept compressed as received, so its check is made on the stream the
    manifest signs; a package zipped again (another stream, the same content) still goes in,
    and altered audit rows are refused either way."""
    _new_birth(loop, "A", "新生")
    good = loop.export("A")
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    assert set(manifest["deflated"]) == {"audit.jsonl"}
    checked = open_package(good, check_members=False)
    checked.prefetch(["audit.jsonl"])
    checked.verify_members()
    assert zipfile.ZipFile(good).getinfo("audit.jsonl").compress_size == len(
        checked.raw["audit.jsonl"]
    )

    altered = dict(members)
    altered["audit.jsonl"] = members["audit.jsonl"].replace(b"clerk_a", b"clerk_b", 1)
    assert altered["audit.jsonl"] != members["audit.jsonl"]
    before = snapshot(loop.district)
    for level in (1, 9):
        bad = tmp_path / f"bad{level}.zip"
        _rezip_deflated(bad, altered, level)
        with pytest.raises(PackageRefused, match="audit.jsonl 校验值不符"):
            loop.to_district(bad)
        assert snapshot(loop.district) == before
        assert loop.district.execute("SELECT count(*) FROM office_audit").fetchone()[0] == 0

    rezipped = tmp_path / "rezipped.zip"
    _rezip_deflated(rezipped, members, 9)
    receipt = loop.to_district(rezipped)
    assert receipt.tables["births"].new == 1
    stored = [json.dumps(list(r.values()), ensure_ascii=False) for r in _audit(loop)]
    sent = [
        json.dumps(json.loads(line), ensure_ascii=False)
        for line in members["audit.jsonl"].splitlines()
    ]
    assert stored == sent


def _audit(loop: Loop) -> list[dict]:  # type: ignore[type-arg]
    return list(office_audit_rows(loop.district, "A"))


def test_a_batch_of_lines_is_parsed_in_one_go_blank_lines_skipped() -> None:
    from desktop.store.packages import _parse

    assert _parse([b'[1,"\xe6\x96\xb0"]', b"[2,null]"]) == [[1, "新"], [2, None]]
    assert _parse([b"[1]", b"", b" \r", b"[2]"]) == [[1], [2]]
    assert _parse([b""]) == []
    with pytest.raises(ValueError):
        _parse([b"[1]", b"[2"])
