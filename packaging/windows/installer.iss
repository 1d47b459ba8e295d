; Inno Setup script for dti-desk (Inno Setup 6.3 or newer; UTF-8 with BOM, for the Vietnamese text).
;
; Packs the one-folder bundle that packaging/dti-desk.spec builds into dist\dti-desk\ as a
; per-user installer: no administrator rights, installed under %LOCALAPPDATA%\Programs\dti-desk,
; Vietnamese by default, English selectable. Build it with packaging\windows\build.ps1, or by
; hand from the repository root after PyInstaller:
;     ISCC.exe packaging\windows\installer.iss
; The version is read from dist\dti-desk\dti-desk.exe, whose version resource the spec writes
; from forms.__version__; /DAppVersion=X overrides it.

; Pascal-style string literals (backslash is a plain character), stated rather than assumed.
#pragma parseroption -p+

#define AppName "dti-desk"
#define RepoRoot AddBackslash(SourcePath) + "..\.."
#define BundleDir RepoRoot + "\dist\dti-desk"
#define BundleExe BundleDir + "\dti-desk.exe"

#if !FileExists(BundleExe)
  #error "dist\dti-desk\dti-desk.exe is missing: build the bundle first (packaging\windows\build.ps1)"
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(BundleExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error "no version: dti-desk.exe carries no version resource and /DAppVersion was not given"
#endif

[Setup]
; The AppId identifies this program for upgrades and uninstall; never change it.
AppId={{492876E3-3530-4740-A201-50DEB8A4A50A}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=dti-desk
VersionInfoVersion={#GetVersionNumbersString(BundleExe)}
VersionInfoDescription={#AppName} setup
; Per-user install: commune offices often have no administrator rights and no IT staff.
PrivilegesRequired=lowest
; No PrivilegesRequiredOverridesAllowed: never offer an all-users (admin) install.
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
; PySide6 ships 64-bit Windows builds only (x64compatible includes Windows on Arm's emulation).
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
; Vietnamese unless the user picks English in the language dialog; the Windows UI language
; is not consulted, because many office PCs run an English Windows.
LanguageDetectionMethod=none
ShowLanguageDialog=yes
ChangesAssociations=yes
SetupIconFile={#RepoRoot}\resources\icons\dti-desk.ico
UninstallDisplayIcon={app}\dti-desk.exe
UninstallDisplayName={#AppName} {#AppVersion}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir={#RepoRoot}\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup

[Languages]
; Inno Setup ships no official Vietnamese messages: English first, our translation on top, so
; a message Vietnamese.isl does not translate shows in English instead of failing the build.
Name: "vi"; MessagesFile: "compiler:Default.isl,Vietnamese.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
vi.AppComment=Tự đánh giá chuyển đổi số (DTI) cấp xã
en.AppComment=Commune digital-transformation (DTI) self-assessment
vi.AssocGroup=Tệp dữ liệu:
en.AssocGroup=Data files:
vi.AssocTask=Mở tệp &gói nộp (.dtipkg), gói tổng hợp (.dtibundle) và kết quả thẩm định (.dtireview) bằng dti-desk
en.AssocTask=Open &submission packages (.dtipkg), bundles (.dtibundle) and reviews (.dtireview) with dti-desk
vi.TypePackage=Gói nộp tự đánh giá DTI
en.TypePackage=DTI submission package
vi.TypeBundle=Gói tổng hợp DTI
en.TypeBundle=DTI bundle
vi.TypeReview=Kết quả thẩm định DTI
en.TypeReview=DTI review
vi.AskDeleteData=Xóa luôn dữ liệu của dti-desk?%n%n%1%n%nThư mục này chứa các bản tự đánh giá, tài liệu kiểm chứng, khóa ký và bản sao lưu. Xóa rồi thì không khôi phục được.%n%nChọn Không để giữ lại dữ liệu (khi cài lại, mọi thứ vẫn còn).
en.AskDeleteData=Also delete dti-desk's data?%n%n%1%n%nThis folder holds the self-assessments, evidence documents, signing keys and backups. Once deleted they cannot be recovered.%n%nChoose No to keep the data (a reinstall finds everything again).
vi.DeleteDataFailed=Không xóa hết được thư mục dữ liệu:%n%n%1%n%nCó thể dti-desk vẫn đang chạy. Hãy xóa thư mục này bằng tay.
en.DeleteDataFailed=The data folder could not be deleted completely:%n%n%1%n%ndti-desk may still be running. Please delete this folder by hand.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "fileassoc"; Description: "{cm:AssocTask}"; GroupDescription: "{cm:AssocGroup}"

[InstallDelete]
; An upgrade replaces the whole bundle: files a newer PyInstaller or Qt no longer ships must
; not linger and be loaded by mistake. User data never lives here.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The portable marker must never reach an installed copy: it would move the data folder.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Excludes: "dti-desk.portable"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; {autoprograms}/{autodesktop} are the user's own Start menu and desktop in a per-user install.
Name: "{autoprograms}\{#AppName}\{#AppName}"; Filename: "{app}\dti-desk.exe"; Comment: "{cm:AppComment}"
Name: "{autoprograms}\{#AppName}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\dti-desk.exe"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Registry]
; File associations in HKCU\Software\Classes (no administrator rights needed). Double-click
; runs `dti-desk.exe open "<file>"`: the app verifies a package, merges a bundle or imports a
; review depending on the file and its mode. The ProgIDs go on uninstall; the extension keys
; lose only our values.
Root: HKCU; Subkey: "Software\Classes\.dtipkg"; ValueType: string; ValueName: ""; ValueData: "dti-desk.dtipkg"; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\.dtipkg\OpenWithProgids"; ValueType: string; ValueName: "dti-desk.dtipkg"; ValueData: ""; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtipkg"; ValueType: string; ValueName: ""; ValueData: "{cm:TypePackage}"; Flags: uninsdeletekey; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtipkg\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dti-desk.exe,0"; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtipkg\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dti-desk.exe"" open ""%1"""; Tasks: fileassoc

Root: HKCU; Subkey: "Software\Classes\.dtibundle"; ValueType: string; ValueName: ""; ValueData: "dti-desk.dtibundle"; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\.dtibundle\OpenWithProgids"; ValueType: string; ValueName: "dti-desk.dtibundle"; ValueData: ""; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtibundle"; ValueType: string; ValueName: ""; ValueData: "{cm:TypeBundle}"; Flags: uninsdeletekey; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtibundle\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dti-desk.exe,0"; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtibundle\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dti-desk.exe"" open ""%1"""; Tasks: fileassoc

Root: HKCU; Subkey: "Software\Classes\.dtireview"; ValueType: string; ValueName: ""; ValueData: "dti-desk.dtireview"; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\.dtireview\OpenWithProgids"; ValueType: string; ValueName: "dti-desk.dtireview"; ValueData: ""; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtireview"; ValueType: string; ValueName: ""; ValueData: "{cm:TypeReview}"; Flags: uninsdeletekey; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtireview\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dti-desk.exe,0"; Tasks: fileassoc
Root: HKCU; Subkey: "Software\Classes\dti-desk.dtireview\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dti-desk.exe"" open ""%1"""; Tasks: fileassoc

; Installed in English: the app starts in English too (the GUI's QSettings, desktop/settings.py
; LANGUAGE). Only when no language was chosen yet, so a reinstall never overrides the user.
Root: HKCU; Subkey: "Software\dti-desk\dti-desk\ui"; ValueType: string; ValueName: "language"; ValueData: "en"; Flags: createvalueifdoesntexist; Languages: en

[Run]
Filename: "{app}\dti-desk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The user's data (database, evidence, keys, backups: local_db/paths.py) lives outside {app}
// and survives uninstalling unless the user asks for it to go, so a reinstall or an upgrade
// done as uninstall + install loses nothing. Silent uninstalls keep it unless /PURGEDATA.

function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\dti-desk');
end;

// A portable marker put beside an installed dti-desk.exe by hand keeps data in {app}\data.
function PortableDataDir(): String;
begin
  Result := ExpandConstant('{app}\data');
end;

function PurgeRequested(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/PURGEDATA') = 0 then
      Result := True;
end;

function UserWantsDataDeleted(const Folders: String): Boolean;
begin
  if UninstallSilent() then
    Result := PurgeRequested()
  else
    // MB_DEFBUTTON2: Enter means No, keep the data.
    Result := MsgBox(FmtMessage(CustomMessage('AskDeleteData'), [Folders]),
                     mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Folders: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  Folders := '';
  if DirExists(UserDataDir()) then
    Folders := UserDataDir();
  if DirExists(PortableDataDir()) then
    Folders := Trim(Folders + #13#10 + PortableDataDir());
  if Folders = '' then
    Exit;
  if not UserWantsDataDeleted(Folders) then
    Exit;
  DelTree(UserDataDir(), True, True, True);
  DelTree(PortableDataDir(), True, True, True);
  // The GUI's preferences (QSettings: HKCU\Software\dti-desk\dti-desk).
  RegDeleteKeyIncludingSubkeys(HKEY_CURRENT_USER, 'Software\dti-desk');
  if DirExists(UserDataDir()) or DirExists(PortableDataDir()) then
    if not UninstallSilent() then
      MsgBox(FmtMessage(CustomMessage('DeleteDataFailed'), [Folders]), mbError, MB_OK);
end;
