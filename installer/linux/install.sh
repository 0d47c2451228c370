#!/bin/sh
# 民生台账: add (or with --uninstall, remove) this folder's program to the current user's
# application menu. No administrator rights are needed; the data folder
# (~/.local/share/minsheng) is never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
share="${XDG_DATA_HOME:-$HOME/.local/share}"
entry="$share/applications/minsheng.desktop"
icon="$share/icons/hicolor/256x256/apps/minsheng.png"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$entry" "$icon"
    echo "已从应用程序菜单中移除民生台账（数据文件夹未改动）。"
    exit 0
fi

mkdir -p "$share/applications" "$share/icons/hicolor/256x256/apps"
cp "$here/minsheng.png" "$icon"
sed -e "s|^Exec=.*|Exec=\"$here/minsheng\"|" -e "s|^TryExec=.*|TryExec=$here/minsheng|" \
    "$here/minsheng.desktop" > "$entry"
chmod 644 "$entry"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$share/applications" >/dev/null 2>&1 || true
fi
echo "已添加到应用程序菜单：$entry"
echo "也可以直接运行：$here/minsheng"
