"""The one version number lives in pyproject.toml; everything else reads it from there."""

from __future__ import annotations

import sys
from pathlib import Path


def _read_version() -> str:
    # Source checkout first: pyproject.toml beside the package is the truth while developing.
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    # Installed or frozen: the distribution metadata was generated from pyproject.toml.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minsheng-ledger")
    except PackageNotFoundError:  # pragma: no cover - frozen bundle without metadata
        bundled = Path(getattr(sys, "_MEIPASS", "")) / "VERSION"
        return bundled.read_text(encoding="utf-8").strip() if bundled.is_file() else "0+unknown"


__version__ = _read_version()
