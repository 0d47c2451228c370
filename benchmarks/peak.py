"""Run a Python module or script in this process, then append its peak RSS (VmHWM, MB) to a file.

``python benchmarks/peak.py OUT -m desktop --db …`` or ``python benchmarks/peak.py OUT script.py …``.
A fresh process measured from inside: ``wait4``'s ``ru_maxrss`` would also count what the parent
held when it forked, which is wrong after the benchmark itself has built a large database.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    out, *rest = sys.argv[1:]
    status = 0
    try:
        if rest[0] == "-m":
            sys.argv = [rest[1], *rest[2:]]
            sys.path[0] = str(Path.cwd())  # as ``python -m`` would have it
            runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = rest
            sys.path.insert(0, str(Path(rest[0]).resolve().parent))
            runpy.run_path(rest[0], run_name="__main__")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(f"{peak_mb():.1f}\n")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
