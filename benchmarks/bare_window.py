"""Baseline for start-up: a bare PySide6 window with one label, started and grabbed like the app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def main() -> int:
    app = QApplication(sys.argv[:1])
    label = QLabel("民生台账")
    label.resize(1280, 800)
    label.show()

    def shoot() -> None:
        label.grab().save(sys.argv[1])
        app.quit()

    QTimer.singleShot(0, shoot)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
