; Inno Setup script of 民生台账: a per-user installer that needs no administrator rights.
;
; Built by installer/build.py on Windows (after the PyInstaller bundle), which runs
;     ISCC /DAppVersion=<version from pyproject.toml> /DSourceDir=dist\minsheng /DOutputDir=dist
;          /DIconFile=build\installer\icons\minsheng.ico installer\windows\minsheng.iss
; Needs Inno Setup 6.3 or newer. This file is UTF-8 with a byte-order mark (Inno Setup reads a file
; without one in the system's ANSI code page, which would garble the Chinese texts).
;
; Installs into %LOCALAPPDATA%\Programs\民生台账 ({autopf} is {localappdata}\Programs for a
; non-administrative install; an administrator may pass /ALLUSERS for Program Files), adds a
; start-menu shortcut and, optionally, a desktop shortcut. The user's data folder,
; %LOCALAPPDATA%\minsheng (platformdirs' user data dir, where minsheng.db and its backups live), is
; outside the program folder: neither an upgrade nor the uninstaller ever deletes it.

#ifndef AppVersion
  #error AppVersion is not defined: build with installer/build.py, or pass /DAppVersion=x.y.z (the version in pyproject.toml)
#endif
#ifndef SourceDir
  #define SourceDir AddBackslash(SourcePath) + "..\..\dist\minsheng"
#endif
#ifndef OutputDir
  #define OutputDir AddBackslash(SourcePath) + "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile AddBackslash(SourcePath) + "..\..\build\installer\icons\minsheng.ico"
#endif
#define AppName "民生台账"
#define AppExe "minsheng.exe"
#define DataFolder "minsheng"

; Chinese wizard texts: ChineseSimplified.isl beside this script, or in Inno Setup's Languages
; folder (recent Inno Setup releases ship it; for older ones download it from
; https://jrsoftware.org/files/istrans/ and put it beside this script). Without it the wizard's
; own texts fall back to English; this script's texts below stay Chinese.
#if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ChineseIsl AddBackslash(SourcePath) + "ChineseSimplified.isl"
#elif FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#else
  #pragma message "ChineseSimplified.isl not found: the installer wizard will be in English"
#endif

[Setup]
AppId={{0F34CAA3-7570-4907-815E-4A88139B8EAE}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=minsheng-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ShowLanguageDialog=no

[Languages]
#ifdef ChineseIsl
Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"
#else
Name: "english"; MessagesFile: "compiler:Default.isl"
#endif

[CustomMessages]
DesktopIcon=在桌面上创建快捷方式(&D)
ShortcutGroup=快捷方式：
DataKept=您的数据（数据库及其备份）保存在 %1，卸载时未被删除。%n%n重新安装后将继续使用这些数据；如不再需要，可手动删除该文件夹。
NotDataDir=不能安装到数据文件夹 %1，请选择其他文件夹。

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; GroupDescription: "{cm:ShortcutGroup}"

[InstallDelete]
; An upgrade replaces the whole bundle, so that no library of the previous version lingers.
; Only the program folder's _internal is removed; the data folder is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the uninstaller removes exactly the files it installed, never the data.

[Code]
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#DataFolder}');
end;

function NextButtonClick(CurPageID: Integer): Boolean;
begin
  Result := True;
  if (CurPageID = wpSelectDir) and
     (CompareText(RemoveBackslashUnlessRoot(WizardDirValue()), DataDir()) = 0) then
  begin
    MsgBox(FmtMessage(CustomMessage('NotDataDir'), [DataDir()]), mbError, MB_OK);
    Result := False;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataDir()) and not UninstallSilent() then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [DataDir()]), mbInformation, MB_OK);
end;
