"""Every Qt-free module imports on its own, in a fresh interpreter.

Inside one pytest process the order in which tests import modules can hide an import cycle
(``store.subsidy`` → ``store.kangjian_lookup`` → ``store.kangjian`` → ``store.tables`` →
``store.subsidy`` once did): a command or a worker that imports the module first then fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("store", "imports", "reports", "demo")  # domain imports nothing above it


def _modules() -> list[str]:
    names = []
    for layer in LAYERS:
        for path in sorted((ROOT / "desktop" / layer).glob("*.py")):
            stem = path.stem
            names.append(f"desktop.{layer}" if stem == "__init__" else f"desktop.{layer}.{stem}")
    return names


def test_each_module_imports_first() -> None:
    # One child per module (a fresh interpreter each), started together: a few seconds in all.
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", f"import {name}"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in _modules()
    }
    failures = {}
    for name, child in children.items():
        _, err = child.communicate(timeout=120)
        if child.returncode:
            failures[name] = err.strip().splitlines()[-1] if err.strip() else "failed"
    assert len(children) > 30
    assert failures == {}
