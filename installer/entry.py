"""Entry point of the frozen bundle (PyInstaller runs this file as ``__main__``).

It does what ``desktop/__main__.py`` does, plus what only a frozen build needs:

- A windowed Windows executable has no console, so ``sys.stdout`` and ``sys.stderr`` are ``None``;
  any ``sys.stderr.write`` would raise. They are pointed at the null device instead.
"""

from __future__ import annotations

import os
import sys


def _ensure_streams() -> None:
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def main() -> int:
    _ensure_streams()
    from desktop.cli import main as cli_main

    return int(cli_main())


if __name__ == "__main__":
    raise SystemExit(main())
