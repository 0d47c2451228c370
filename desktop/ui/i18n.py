"""Translation helpers. Source strings are Chinese; ``resources/i18n/minsheng_<lang>.qm`` translate.

Strings inside widgets use ``self.tr(...)``. Strings defined at module level (column labels, tab
names) are marked with :func:`QT_TRANSLATE_NOOP` so that ``pyside6-lupdate`` finds them, and are
translated where they are shown with ``QCoreApplication.translate(context, text)``.
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Mark ``text`` for translation in ``context``; returns it unchanged (typed, unlike Qt's)."""
    return text


def fill(text: str, *args: object) -> str:
    """Put ``args`` into the ``%1``, ``%2`` … of a translated string (translators may reorder)."""
    for number, value in reversed(list(enumerate(args, start=1))):
        text = text.replace(f"%{number}", str(value))
    return text
