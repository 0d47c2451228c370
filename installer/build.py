"""Build 民生台账's bundle and installers for the platform this runs on.

    python -m pip install ".[build]"        # PyInstaller, in the environment that runs the app
    python installer/build.py               # bundle + installers into dist/

Linux:   dist/minsheng/                                  the one-folder bundle (PyInstaller)
         dist/minsheng-<version>-linux-<arch>.tar.gz     bundle + minsheng.desktop + icon + install.sh
         dist/minsheng-ledger_<version>_<debarch>.deb    /opt/minsheng, /usr/bin/minsheng, menu entry
Windows: dist\\minsheng\\                                 the bundle (minsheng.exe, minsheng-cli.exe)
         dist\\minsheng-<version>-windows-x64-setup.exe   when Inno Setup's ISCC.exe is found; else
                                                         the ISCC command line to run is printed

The version comes from pyproject.toml only. Standard library + PyInstaller; dpkg-deb for the .deb.
Options: --dist DIR, --work DIR, --no-trim (measure the untrimmed bundle), --no-strip, --bundle-only.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

INSTALLER = Path(__file__).resolve().parent
ROOT = INSTALLER.parent
NAME = "minsheng"  # bundle folder, executable, .desktop and icon name
DEB_PACKAGE = "minsheng-ledger"
DEB_MAINTAINER = "Minsheng Ledger maintainers <minsheng@localhost>"
APP_NAME = "民生台账"

# Host libraries the Linux bundle loads but does not carry (PyInstaller leaves out the GL/EGL
# drivers, glibc and libxcb on purpose; the xcb helpers below were not on the build machine), by
# soname, with the Debian/UOS/Kylin package that provides each. Qt's own requirements are listed
# too even when the bundle has a copy, so that the system's copy is there for the drivers.
DEB_PACKAGES_BY_SONAME = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libxcb.so.1": "libxcb1",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libdrm.so.2": "libdrm2",
}
GLIBC_SONAMES = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}
ALWAYS_DEPENDS = ["libegl1", "libgl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3"]


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (symbolic links are not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            p = Path(dirpath, f)
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# -- the bundle -------------------------------------------------------------------------------------


def build_bundle(dist: Path, work: Path, *, trim: bool, strip: bool) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit(
            "PyInstaller is not installed in this Python. Install it with:\n"
            '    python -m pip install ".[build]"'
        ) from None
    icons = work / "icons"
    log(f"rendering icons into {icons}")
    subprocess.run([sys.executable, str(INSTALLER / "icons.py"), str(icons)], check=True)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work / "pyinstaller"),
        str(INSTALLER / "minsheng.spec"),
        "--",
        "--icons",
        str(icons),
    ]
    if not trim:
        command.append("--no-trim")
    if not strip:
        command.append("--no-strip")
    log("running PyInstaller: " + " ".join(command[1:]))
    subprocess.run(command, check=True, cwd=ROOT)
    bundle = dist / NAME
    check_version(bundle)
    return bundle


def bundle_executable(bundle: Path, *, console: bool = True) -> Path:
    if sys.platform == "win32":
        return bundle / (f"{NAME}-cli.exe" if console else f"{NAME}.exe")
    return bundle / NAME


def check_version(bundle: Path) -> None:
    """The bundle must report the version of pyproject.toml."""
    expected = project_version()
    out = subprocess.run(
        [str(bundle_executable(bundle)), "--version"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
    )
    printed = out.stdout.strip() or out.stderr.strip()
    if out.returncode != 0 or printed != f"{NAME} {expected}":
        raise SystemExit(
            f"the bundle printed {printed!r} (exit {out.returncode}), expected '{NAME} {expected}'"
        )
    log(f"bundle reports: {printed}")


# -- Linux: tar.gz and .deb -------------------------------------------------------------------------


def linux_arch() -> tuple[str, str]:
    """(machine name for the tar.gz, Debian architecture)."""
    machine = platform.machine().lower()
    return {
        "x86_64": ("x86_64", "amd64"),
        "amd64": ("x86_64", "amd64"),
        "aarch64": ("aarch64", "arm64"),
        "arm64": ("aarch64", "arm64"),
        "loongarch64": ("loongarch64", "loong64"),
    }.get(machine, (machine, machine))


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode &= ~0o022  # never group- or world-writable
    return info


def linux_tarball(bundle: Path, dist: Path, version: str, icons: Path) -> Path:
    """``minsheng/`` = the bundle + minsheng.desktop + minsheng.png + install.sh (menu entry)."""
    out = dist / f"{NAME}-{version}-linux-{linux_arch()[0]}.tar.gz"
    log(f"writing {out.name}")
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:  # 9: 3x slower, 0.5% smaller
        tar.add(bundle, arcname=NAME, filter=_root_owned)
        tar.add(
            INSTALLER / "linux" / "minsheng.desktop",
            arcname=f"{NAME}/minsheng.desktop",
            filter=_root_owned,
        )
        tar.add(icons / "minsheng.png", arcname=f"{NAME}/minsheng.png", filter=_root_owned)
        tar.add(
            INSTALLER / "linux" / "install.sh", arcname=f"{NAME}/install.sh", filter=_root_owned
        )
    return out


def deb_version(version: str) -> str:
    """PEP 440 → Debian: pre-releases sort before the release (0.2.0rc1 → 0.2.0~rc1)."""
    public, plus, local = version.partition("+")
    return re.sub(r"(?<=\d)[.-]?(a|b|rc|dev)(\d*)", r"~\1\2", public) + plus + local


def elf_files(tree: Path) -> list[Path]:
    files = []
    for dirpath, _dirs, names in os.walk(tree):
        for name in names:
            p = Path(dirpath, name)
            if p.is_symlink() or not p.is_file():
                continue
            with p.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    files.append(p)
    return files


def host_requirements(bundle: Path) -> tuple[set[str], str | None]:
    """Sonames the bundle's binaries need but do not carry, and the newest GLIBC_x.y they use."""
    readelf = shutil.which("readelf")
    if readelf is None:
        log("readelf not found (binutils): Depends lists the known Qt requirements only")
        return set(), None
    carried, needed, glibc = set(), set(), (0, 0)
    files = elf_files(bundle)
    for _dirpath, _dirs, names in os.walk(bundle):
        carried.update(names)
    for f in files:
        out = subprocess.run(
            [readelf, "--dynamic", "--version-info", "--wide", str(f)],
            capture_output=True,
            text=True,
            errors="replace",
        ).stdout
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", out):
            glibc = max(glibc, (int(major), int(minor)))
    return needed - carried, (f"{glibc[0]}.{glibc[1]}" if glibc != (0, 0) else None)


def deb_depends(bundle: Path) -> str:
    missing, glibc = host_requirements(bundle)
    packages = list(ALWAYS_DEPENDS)
    unknown = []
    for soname in sorted(missing):
        if soname in GLIBC_SONAMES:
            continue
        package = DEB_PACKAGES_BY_SONAME.get(soname)
        if package is None:
            unknown.append(soname)
        elif package not in packages:
            packages.append(package)
    if unknown:
        log(
            "WARNING: no package known for " + ", ".join(unknown) + " (not in Depends; add them "
            "to DEB_PACKAGES_BY_SONAME in installer/build.py)"
        )
    libc = f"libc6 (>= {glibc})" if glibc else "libc6"
    if glibc:
        log(f"the bundle needs glibc {glibc} or newer (that of the build machine's libraries)")
    return ", ".join([libc, *packages])


def linux_deb(
    bundle: Path, dist: Path, version: str, icons: Path, work: Path, compression: str = "xz"
) -> Path:
    """A .deb: /opt/minsheng (the bundle), /usr/bin/minsheng, the menu entry, hicolor icons.

    No maintainer scripts: dpkg's triggers of desktop-file-utils and hicolor-icon-theme refresh the
    menu and icon caches, and removing the package never touches the users' data folders
    (~/.local/share/minsheng).
    """
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb not found: install dpkg (or run with --bundle-only)")
    arch = linux_arch()[1]
    dversion = deb_version(version)
    stage = work / "deb" / f"{DEB_PACKAGE}_{dversion}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / "opt" / NAME
    shutil.copytree(bundle, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / NAME).symlink_to(f"/opt/{NAME}/{NAME}")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy(INSTALLER / "linux" / "minsheng.desktop", apps / "minsheng.desktop")
    hicolor = stage / "usr" / "share" / "icons" / "hicolor"
    for png in sorted(icons.glob(f"{NAME}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, target / f"{NAME}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(
        ROOT / "resources" / "icons" / "app.svg", hicolor / "scalable" / "apps" / "minsheng.svg"
    )
    doc = stage / "usr" / "share" / "doc" / DEB_PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        f"{APP_NAME} (Minsheng Ledger) {version}\n\n"
        "Bundled with Python, Qt for Python (PySide6, LGPLv3), pyqtgraph, numpy, sqlite-utils,\n"
        "python-stdnum, platformdirs and pypinyin under their own licences. The CJK font\n"
        "WenQuanYi Micro Hei: Apache-2.0 or GPLv3 with font embedding exception, see\n"
        f"/opt/{NAME}/_internal/resources/fonts/wqy-microhei.LICENSE.txt.\n",
        encoding="utf-8",
    )
    for dirpath, dirs, files in os.walk(stage):
        for d in dirs:
            p = Path(dirpath, d)
            if not p.is_symlink():
                p.chmod(0o755)
        for f in files:
            p = Path(dirpath, f)
            if not p.is_symlink():
                p.chmod(p.stat().st_mode & 0o755 | 0o644)
    installed_kib = (tree_size(stage) + 1023) // 1024
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {DEB_PACKAGE}\n"
        f"Version: {dversion}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {DEB_MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {deb_depends(bundle)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {APP_NAME} (Minsheng Ledger) - offline ledgers for sub-district offices\n"
        " 康检、帮扶发放、两免一补台账与季度汇总，离线使用。\n"
        " Health-check campaigns, subsidy disbursement and student fee exemptions\n"
        " kept by sub-district offices, with the district's quarterly summary and\n"
        " trend charts. Self-contained: Python, Qt and a CJK font are included.\n"
        " Data stays in each user's ~/.local/share/minsheng, also on removal.\n",
        encoding="utf-8",
    )
    out = dist / f"{DEB_PACKAGE}_{dversion}_{arch}.deb"
    log(f"writing {out.name}")
    # xz (or gzip), never zstd: the dpkg of older systems (UOS 20, Kylin V10) cannot read zstd.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(stage), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


# -- Windows: Inno Setup ----------------------------------------------------------------------------


def find_iscc() -> Path | None:
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return Path(found)
    bases = [os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles")]
    if os.environ.get("LOCALAPPDATA"):  # Inno Setup installed for the current user only
        bases.append(str(Path(os.environ["LOCALAPPDATA"], "Programs")))
    for base in filter(None, bases):
        candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
        if candidate.is_file():
            return candidate
    return None


def windows_setup(bundle: Path, dist: Path, version: str, icons: Path) -> Path | None:
    script = INSTALLER / "windows" / "minsheng.iss"
    command = [
        f"/DAppVersion={version}",
        f"/DSourceDir={bundle}",
        f"/DOutputDir={dist}",
        f"/DIconFile={icons / 'minsheng.ico'}",
        str(script),
    ]
    iscc = find_iscc()
    if iscc is None:
        log("Inno Setup (ISCC.exe) not found. Install Inno Setup 6 and run:")
        log("    ISCC " + " ".join(f'"{c}"' if " " in c else c for c in command))
        return None
    log(f"running {iscc}")
    subprocess.run([str(iscc), *command], check=True)
    return dist / f"{NAME}-{version}-windows-x64-setup.exe"


# -- main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (dist/)")
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "build" / "installer",
        help="scratch folder (build/installer/)",
    )
    parser.add_argument("--no-trim", action="store_true", help="bundle everything (to measure)")
    parser.add_argument("--no-strip", action="store_true", help="keep debug symbols (Linux)")
    parser.add_argument("--bundle-only", action="store_true", help="no tar.gz/.deb/setup.exe")
    parser.add_argument(
        "--deb-compression",
        choices=["xz", "gzip"],
        default="xz",
        help="xz: 30%% smaller, 4x slower to build (default); gzip for quick test builds",
    )
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    version = project_version()
    log(
        f"{APP_NAME} {version} on {sys.platform} ({platform.machine()}), Python "
        f"{platform.python_version()}"
    )

    started = time.perf_counter()
    bundle = build_bundle(dist, work, trim=not args.no_trim, strip=not args.no_strip)
    outputs = [(bundle, tree_size(bundle))]
    log(f"bundle {bundle} ({mb(outputs[0][1])}) in {time.perf_counter() - started:.0f} s")
    if not args.bundle_only:
        icons = work / "icons"
        if sys.platform.startswith("linux"):
            for made in (
                linux_tarball(bundle, dist, version, icons),
                linux_deb(bundle, dist, version, icons, work, args.deb_compression),
            ):
                outputs.append((made, made.stat().st_size))
        elif sys.platform == "win32":
            setup = windows_setup(bundle, dist, version, icons)
            if setup is not None and setup.is_file():
                outputs.append((setup, setup.stat().st_size))
        else:
            log("no installer format for this platform; the bundle is in " + str(bundle))
    log(f"done in {time.perf_counter() - started:.0f} s:")
    for path, size in outputs:
        log(f"    {mb(size):>9}  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
