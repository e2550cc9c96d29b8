; CRM Desktop: the Windows setup program (Inno Setup 6.3 or newer).
;
; Build the program first (installer\README.md), then, from the project folder:
;
;   iscc /DAppVersion=0.1.0 installer\crm-desktop.iss
;
; which writes build\installer\crm-desktop-0.1.0-setup.exe. Optional defines:
;   /DSiteIni=C:\path\site.ini   carry IT's site settings file inside the setup program
;   /DSourceDir=C:\path\folder   the PyInstaller folder (default build\dist\crm-desktop)
;
; The setup program installs the one-folder build into Program Files, adds a Start menu
; shortcut (and, if chosen, a desktop one), optionally deploys the machine-wide site
; settings to %PROGRAMDATA%\CRM Desktop\site.ini, and registers an uninstaller.
; Silent install for a software centre:
;   crm-desktop-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART [/SITEINI=path\site.ini]
; /SITEINI= at install time wins over a file carried with /DSiteIni.

#ifndef AppVersion
  #error Pass the version on the command line: iscc /DAppVersion=X.Y.Z installer\crm-desktop.iss
#endif
#ifndef SourceDir
  #define SourceDir SourcePath + "..\build\dist\crm-desktop"
#endif
#if !FileExists(SourceDir + "\crm-desktop.exe")
  #error No crm-desktop.exe in the build folder: run pyinstaller build_installer.spec first
#endif
#if !FileExists(SourceDir + "\crm-desktop-gui.exe")
  #error No crm-desktop-gui.exe in the build folder: build on Windows (see installer\README.md)
#endif

#define AppName "CRM Desktop"
#define ConsoleExe "crm-desktop.exe"
#define GuiExe "crm-desktop-gui.exe"
#define SiteFolder "{commonappdata}\CRM Desktop"

[Setup]
; Never change AppId: it is how Windows knows a new version replaces the old one.
AppId={{A3D15471-69C4-4DAE-BD03-C35670C53509}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Consumer Relations
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\build\installer
OutputBaseFilename=crm-desktop-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#GuiExe}
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the program's files wholesale: a file left from an older version
; (a migration that was renamed, a library no longer used) must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; Machine-wide site settings. Kept on uninstall: they are IT's, and a reinstall or an
; upgrade goes on using them.
Source: "{code:SiteIniSource}"; DestDir: "{#SiteFolder}"; DestName: "site.ini"; Flags: external ignoreversion uninsneveruninstall; Check: SiteIniGiven
#ifdef SiteIni
Source: "{#SiteIni}"; DestDir: "{#SiteFolder}"; DestName: "site.ini"; Flags: ignoreversion uninsneveruninstall; Check: not SiteIniGiven
#endif

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Complaints, compliments and comments"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// /SITEINI=path: a full path (C:\..., \\server\...) or one relative to the folder
// holding the setup program (a software centre's content folder).
function SiteIniPath(): String;
begin
  Result := ExpandConstant('{param:SITEINI|}');
  if (Result <> '') and (ExtractFileDrive(Result) = '') then
    Result := AddBackslash(ExpandConstant('{src}')) + Result;
end;

function SiteIniSource(Param: String): String;
begin
  Result := SiteIniPath();
end;

function SiteIniGiven(): Boolean;
begin
  Result := SiteIniPath() <> '';
end;

function InitializeSetup(): Boolean;
var
  SiteIni: String;
begin
  Result := True;
  SiteIni := SiteIniPath();
  if (SiteIni <> '') and not FileExists(SiteIni) then
  begin
    Log('The site settings file ' + SiteIni + ' (/SITEINI=) does not exist.');
    SuppressibleMsgBox('The site settings file ' + SiteIni + ' given with /SITEINI= does not exist.',
      mbCriticalError, MB_OK, IDOK);
    Result := False;
  end;
end;
