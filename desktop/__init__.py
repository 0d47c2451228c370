"""民生台账 (Minsheng Ledger): offline ledgers for sub-district offices and their district."""

from __future__ import annotations

from desktop.version import __version__

__all__ = ["__version__"]
