from __future__ import annotations

import pytest

from desktop.domain.errors import ValidationError
from desktop.store.errors import AccessDenied, AuthError
from desktop.store.users import authenticate, check_password, create_user, hash_password
from tests.store.conftest import World


def test_password_is_stored_only_as_scrypt_hash(world: World) -> None:
    stored = world.db.execute("SELECT password_hash FROM users WHERE name = 'admin'").fetchone()[0]
    assert stored.startswith("scrypt$") and "secret" not in stored
    assert check_password("secret", stored) and not check_password("Secret", stored)
    assert hash_password("x") != hash_password("x")  # salted


def test_authenticate_and_scope(world: World) -> None:
    user = authenticate(world.db, "clerk_a1", "secret")
    assert user.office == "A" and user.scope.communities == {world.communities["A1"]}
    with pytest.raises(AuthError):
        authenticate(world.db, "clerk_a1", "wrong")
    with pytest.raises(AuthError):
        authenticate(world.db, "nobody", "secret")
    actions = [
        r[0] for r in world.db.execute("SELECT action FROM audit WHERE action LIKE 'login%'")
    ]
    assert actions == ["login", "login_failed", "login_failed"]


def test_only_admin_creates_users(world: World) -> None:
    with pytest.raises(AccessDenied):
        create_user(world.db, world.clerk_a, "x", "secret", "clerk", world.offices["A"])
    with pytest.raises(ValidationError, match="已存在"):
        create_user(world.db, world.admin, "clerk_a", "secret", "clerk", world.offices["A"])
    with pytest.raises(ValidationError, match="密码"):
        create_user(world.db, world.admin, "new", "x", "clerk", world.offices["A"])


def test_background_password_check_is_used_only_for_the_same_attempt(world: World) -> None:
    from desktop.store.users import PasswordCheck

    check = PasswordCheck(world.path, "clerk_a", "secret")
    assert authenticate(world.db, "clerk_a", "secret", check).name == "clerk_a"
    # a check made for another password or user is ignored, never trusted
    wrong = PasswordCheck(world.path, "clerk_a", "wrong")
    assert authenticate(world.db, "clerk_a", "secret", wrong).name == "clerk_a"
    right_for_other = PasswordCheck(world.path, "clerk_b", "secret")
    with pytest.raises(AuthError):
        authenticate(world.db, "clerk_a", "nope", right_for_other)
    stored = world.db.execute("SELECT password_hash FROM users WHERE name = 'clerk_a'").fetchone()[0]
    assert check.result_for("clerk_a", "secret", stored) is True
    assert check.result_for("clerk_a", "secret", "scrypt$changed") is None
