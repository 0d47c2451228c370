"""The installers (slow): build the Linux bundle, .tar.gz and .deb with installer/build.py, then run
the bundle the way an office PC would, without the project's Python.

Every run of the bundle gets a bare environment, as ``env -i`` would: PATH holds only an empty
folder (no Python anywhere), HOME is a fresh folder, the working folder is a temporary one, and
fontconfig sees no system font at all, so that Chinese text can only come from the font inside the
bundle. Run it with ``python -m pytest -m slow tests/installer``; it needs PyInstaller
(``pip install ".[build]"``) and dpkg-deb, and takes a minute or two.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
import sqlite3
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="builds and runs the Linux bundle and packages; Windows builds are not tested here",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_V1 = ROOT / "tests" / "store" / "fixtures" / "v1.db"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
FONT = Path("_internal", "resources", "fonts", "wqy-microhei.ttc")
BUILD_TIMEOUT = 1800
RUN_TIMEOUT = 180


def _load_build_script():  # installer/build.py is a script, not a package module
    spec = importlib.util.spec_from_file_location(
        "installer_build", ROOT / "installer" / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _load_build_script()

# fontconfig with one empty font folder: the system's fonts are invisible to the bundle.
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{fonts}/cache</cachedir>
</fontconfig>
"""

# Entry script of a second bundle made from the same spec: the app imports pyqtgraph only when a
# chart is first shown, so this checks that the trimmed bundle can still import it and plot.
PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
import numpy as np
import pyqtgraph as pg
plot = pg.PlotWidget(title="季度趋势")
plot.plot(np.arange(8), np.arange(8) ** 2, pen="r")
plot.resize(480, 320)
plot.show()
app.processEvents()
saved = plot.grab().save(sys.argv[1])
print(json.dumps({"pyqtgraph": pg.__version__, "numpy": np.__version__, "saved": saved}))
sys.exit(0 if saved else 1)
"""


@dataclass
class Built:
    dist: Path
    bundle: Path
    exe: Path
    tarball: Path
    deb: Path


def require_build_tools() -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip('PyInstaller is not installed: python -m pip install ".[build]"')
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not available (the .deb cannot be built)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    require_build_tools()
    out = tmp_path_factory.mktemp("installer")
    dist = out / "dist"
    subprocess.run(
        [sys.executable, str(ROOT / "installer" / "build.py"), "--dist", str(dist),
         "--work", str(out / "work"), "--deb-compression", "gzip"],
        cwd=ROOT, check=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    machine, debarch = BUILD.linux_arch()
    return Built(
        dist=dist,
        bundle=dist / "minsheng",
        exe=dist / "minsheng" / "minsheng",
        tarball=dist / f"minsheng-{VERSION}-linux-{machine}.tar.gz",
        deb=dist / f"minsheng-ledger_{BUILD.deb_version(VERSION)}_{debarch}.deb",
    )


@pytest.fixture
def bare(tmp_path: Path) -> dict[str, str]:
    """The environment of an office PC without Python: nothing of this process is inherited."""
    fonts = tmp_path / "fontconfig"
    fonts.mkdir()
    (fonts / "fonts.conf").write_text(FONTS_CONF.format(fonts=fonts), encoding="utf-8")
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700)
    for name in ("home", "empty-bin", "cwd"):
        (tmp_path / name).mkdir()
    return {
        "PATH": str(tmp_path / "empty-bin"),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
        "FONTCONFIG_FILE": str(fonts / "fonts.conf"),
        "QT_QPA_PLATFORM": "offscreen",
    }


def run(
    command: list[str | Path], env: dict[str, str], **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the bare environment (plus ``extra``), in its empty working folder."""
    environment = {**env, **extra}
    assert not any(k.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA")) for k in environment)
    cwd = Path(env["HOME"]).parent / "cwd"
    return subprocess.run(
        [str(c) for c in command], env=environment, cwd=cwd, capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=RUN_TIMEOUT,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.fixture
def demo_db(built: Built, bare: dict[str, str], tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    result = ok(run([built.exe, "demo", "--db", db], bare))
    assert "已生成示范区数据库" in result.stdout
    assert db.stat().st_size > 1_000_000
    return db


@pytest.fixture
def hidden_font(built: Built) -> Iterator[None]:
    """The bundle without its font (put back afterwards)."""
    font = built.bundle / FONT
    aside = font.with_suffix(".hidden")
    font.rename(aside)
    try:
        yield
    finally:
        aside.rename(font)


# -- the bundle -------------------------------------------------------------------------------------


def test_bundle_reports_the_pyproject_version(built: Built, bare: dict[str, str]) -> None:
    result = ok(run([built.exe, "--version"], bare))
    assert result.stdout.strip() == f"minsheng {VERSION}"
    assert (built.bundle / "_internal" / "VERSION").read_text(encoding="utf-8").strip() == VERSION


def test_bundle_holds_what_the_app_needs_and_not_what_was_trimmed(built: Built) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    internal = built.bundle / "_internal"
    for resource in ("fonts/wqy-microhei.ttc", "style.qss", "icons/app.svg", "demo/district.toml"):
        assert (internal / "resources" / resource).is_file(), resource
    archive = CArchiveReader(str(built.exe))
    modules = set(archive.open_embedded_archive("PYZ.pyz").toc)
    assert {"desktop.cli", "desktop.store.migrations", "pyqtgraph", "numpy"} <= modules
    # the summary's PDF and Word exports, the package signatures, the chart PNGs in PDFs
    assert {"reportlab", "docx", "cryptography", "PIL"} <= {m.split(".")[0] for m in modules}
    for ext in ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtOpenGL", "QtOpenGLWidgets",
                "QtPrintSupport"):
        assert list((internal / "PySide6").glob(f"{ext}.*.so")), ext
    for trimmed in ("scipy", "tkinter", "unittest", "IPython", "matplotlib", "pandas", "requests"):
        assert trimmed not in modules and not (internal / trimmed).exists(), trimmed
    qt = internal / "PySide6" / "Qt"
    names = {p.name for p in internal.rglob("*")}
    for lib in ("libQt6Network", "libQt6Qml", "libQt6Quick", "libQt6Pdf", "libtk", "libtcl"):
        assert not [n for n in names if n.startswith(lib)], lib
    plugin_kinds = {p.name for p in (qt / "plugins").iterdir()}
    assert {"platforms", "imageformats", "iconengines", "xcbglintegrations"} <= plugin_kinds
    assert not plugin_kinds & {"sqldrivers", "tls", "networkinformation", "printsupport"}
    translations = {p.name for p in (qt / "translations").glob("*.qm")}
    assert "qtbase_zh_CN.qm" in translations
    assert all(n.endswith(("_zh_CN.qm", "_en.qm")) for n in translations), translations
    # measured: about 180 MB trimmed, 330 MB untrimmed
    size = sum(
        p.stat().st_size for p in built.bundle.rglob("*") if p.is_file() and not p.is_symlink()
    )
    assert size < 230_000_000, f"the bundle grew to {size / 1e6:.0f} MB"


def test_bundle_builds_the_demo_and_shows_chinese_with_its_own_font(
    built: Built,
    bare: dict[str, str],
    demo_db: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    shot = tmp_path / "kangjian.png"
    ok(run([built.exe, "--db", demo_db, "--user", "admin", "--screenshot", shot], bare,
           MINSHENG_PASSWORD="demo"))  # fmt: skip
    assert png_size(shot)[0] >= 800 and png_size(shot)[1] >= 500
    charts = tmp_path / "charts.png"
    ok(run([built.exe, "--db", demo_db, "--user", "admin", "--tab", "charts", "--screenshot",
            charts], bare, MINSHENG_PASSWORD="demo"))  # fmt: skip
    assert png_size(charts) == png_size(shot)

    # The same window without the bundled font: no font can draw the hanzi, so the picture changes.
    # Had the bundle not used its font, both pictures would show the same empty boxes.
    tofu = tmp_path / "kangjian-without-font.png"
    request.getfixturevalue("hidden_font")
    ok(run([built.exe, "--db", demo_db, "--user", "admin", "--screenshot", tofu], bare,
           MINSHENG_PASSWORD="demo"))  # fmt: skip
    assert tofu.read_bytes() != shot.read_bytes()
    print(f"screenshots to look at: {shot} (bundled font), {tofu} (font hidden)")


def test_bundle_writes_an_import_template_and_reads_it_back(
    built: Built, bare: dict[str, str], demo_db: Path, tmp_path: Path
) -> None:
    """Import kinds are loaded by module name (importlib), xlsxwriter writes the template and
    python-calamine reads it: all three must be in the bundle."""
    template = tmp_path / "women.xlsx"
    ok(run([built.exe, "template", "women", "-o", template, "--db", demo_db, "--user", "admin"],
           bare, MINSHENG_PASSWORD="demo"))  # fmt: skip
    assert template.read_bytes()[:2] == b"PK"  # an .xlsx is a zip
    ok(run([built.exe, "import", "women", template, "--db", demo_db, "--user", "admin"], bare,
           MINSHENG_PASSWORD="demo"))  # fmt: skip


def test_bundle_writes_the_quarterly_report_and_issues_a_package_key(
    built: Built, bare: dict[str, str], demo_db: Path, tmp_path: Path
) -> None:
    """reportlab (with the bundled font), python-docx and cryptography work in the frozen app."""
    for suffix in (".pdf", ".docx", ".xlsx"):
        target = tmp_path / f"q1{suffix}"
        ok(run([built.exe, "report", "--db", demo_db, "--period", "2026Q1", "-o", target], bare,
               MINSHENG_PASSWORD="demo"))  # fmt: skip
        assert target.stat().st_size > 1000, suffix
    assert (tmp_path / "q1.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"WenQuanYiMicroHei" in (tmp_path / "q1.pdf").read_bytes()  # the font is embedded
    key = tmp_path / "cg.json"
    ok(run([built.exe, "package", "key", "issue", "--office", "CG", "-o", key, "--db", demo_db,
            "--user", "admin"], bare, MINSHENG_PASSWORD="demo"))  # fmt: skip
    assert key.is_file()


def test_bundle_imports_pyqtgraph_and_plots(
    built: Built, bare: dict[str, str], tmp_path: Path
) -> None:
    """pyqtgraph is imported lazily by the app; a second bundle made from the same spec around a
    script that plots shows it survives the trimming (numpy, QtOpenGL via importlib)."""
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
         "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "work"),
         str(ROOT / "installer" / "minsheng.spec"), "--", "--entry", str(probe), "--name", "probe"],
        cwd=ROOT, check=True, timeout=BUILD_TIMEOUT,
    )  # fmt: skip
    plot = tmp_path / "plot.png"
    result = ok(run([tmp_path / "dist" / "probe" / "probe", plot], bare))
    assert json.loads(result.stdout.strip().splitlines()[-1])["saved"] is True
    assert png_size(plot) == (480, 320)


def test_bundle_opens_a_version_1_database_migrating_it_with_a_backup(
    built: Built, bare: dict[str, str], tmp_path: Path
) -> None:
    from desktop.store import migrations

    db = tmp_path / "office.db"
    shutil.copy(FIXTURE_V1, db)
    result = ok(run([built.exe, "orgs", "--db", db, "--json"], bare))
    assert len(json.loads(result.stdout)) == 3  # the fixture's org units, kept
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    conn.close()
    backups = list(tmp_path.glob("office.v1.*.bak.db"))
    assert len(backups) == 1, backups
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()
    ok(run([built.exe, "check", "--db", db, "--user", "admin"], bare,
           MINSHENG_PASSWORD="old-password"))  # fmt: skip
    shot = tmp_path / "upgraded.png"
    ok(run([built.exe, "--db", db, "--user", "admin", "--screenshot", shot], bare,
           MINSHENG_PASSWORD="old-password"))  # fmt: skip
    assert png_size(shot)[0] >= 800
    assert len(list(tmp_path.glob("office.v1.*.bak.db"))) == 1  # nothing more to migrate


# -- the packages -----------------------------------------------------------------------------------


def deb_field(deb: Path, field: str) -> str:
    out = subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def test_deb_installs_the_bundle_a_command_and_a_menu_entry(
    built: Built, bare: dict[str, str], tmp_path: Path
) -> None:
    assert deb_field(built.deb, "Package") == "minsheng-ledger"
    assert deb_field(built.deb, "Version") == BUILD.deb_version(VERSION)
    depends = [d.strip() for d in deb_field(built.deb, "Depends").split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    assert {"libegl1", "libgl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3"} <= set(depends)
    info = subprocess.run(["dpkg-deb", "--info", str(built.deb)], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "民生台账" in info

    listing = subprocess.run(["dpkg-deb", "--contents", str(built.deb)], capture_output=True,
                             text=True, check=True).stdout.splitlines()  # fmt: skip
    entries = {line.split()[5]: line for line in listing}
    assert entries["./opt/minsheng/minsheng"].startswith("-rwxr-xr-x root/root")
    assert entries["./usr/bin/minsheng"].endswith("./usr/bin/minsheng -> /opt/minsheng/minsheng")
    for path in ("./usr/share/applications/minsheng.desktop",
                 "./usr/share/icons/hicolor/256x256/apps/minsheng.png",
                 "./usr/share/icons/hicolor/48x48/apps/minsheng.png",
                 "./usr/share/icons/hicolor/scalable/apps/minsheng.svg",
                 f"./opt/minsheng/{FONT.as_posix()}"):  # fmt: skip
        assert path in entries, path
    assert all(" root/root " in line for line in listing)
    assert not [line for line in listing if line[0] != "l" and "w" in (line[5], line[8])]

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(built.deb), str(root)], check=True)
    desktop = (root / "usr/share/applications/minsheng.desktop").read_text(encoding="utf-8")
    assert "\nExec=minsheng\n" in desktop and "\nIcon=minsheng\n" in desktop
    assert "\nName=民生台账\n" in desktop
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(root / "usr/share/applications/minsheng.desktop")],
                       check=True)  # fmt: skip
    result = ok(run([root / "opt/minsheng/minsheng", "--version"], bare))
    assert result.stdout.strip() == f"minsheng {VERSION}"


def test_tarball_holds_bundle_menu_entry_and_icon_and_installs_per_user(
    built: Built, bare: dict[str, str], tmp_path: Path
) -> None:
    import tarfile

    with tarfile.open(built.tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
        icon = tar.extractfile("minsheng/minsheng.png")
        assert icon is not None
        head = icon.read(24)
    for name in ("minsheng/minsheng", "minsheng/minsheng.desktop", "minsheng/minsheng.png",
                 "minsheng/install.sh", f"minsheng/{FONT.as_posix()}"):  # fmt: skip
        assert name in members, name
    assert members["minsheng/minsheng"].mode & 0o111 and members["minsheng/install.sh"].mode & 0o111
    assert all(m.uid == 0 and not m.mode & 0o022 for m in members.values())
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (256, 256)

    # Unpacked anywhere by a user without root, install.sh adds the menu entry for that user.
    where = tmp_path / "programs"
    where.mkdir()
    subprocess.run(["tar", "-xzf", str(built.tarball), "-C", str(where)], check=True)
    with_tools = {**bare, "PATH": "/usr/bin:/bin"}  # install.sh needs sed, cp, mkdir
    result = ok(run([where / "minsheng" / "install.sh"], with_tools))
    home = Path(bare["HOME"])
    entry = home / ".local/share/applications/minsheng.desktop"
    assert str(entry) in result.stdout
    assert (home / ".local/share/icons/hicolor/256x256/apps/minsheng.png").is_file()
    exec_line = next(
        line for line in entry.read_text(encoding="utf-8").splitlines() if line.startswith("Exec=")
    )
    command = shlex.split(exec_line.removeprefix("Exec="))
    assert command == [str(where / "minsheng" / "minsheng")]
    started = ok(run([*command, "--version"], bare))  # what the menu entry starts
    assert started.stdout.strip() == f"minsheng {VERSION}"
    ok(run([where / "minsheng" / "install.sh", "--uninstall"], with_tools))
    assert not entry.exists()
