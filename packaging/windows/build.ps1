# Build the dti-desk Windows installer (and a portable zip) on a Windows machine.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs: 64-bit Python 3.11+ (python.org installer, "py" launcher) and Inno Setup 6.3+.
# Steps, each stopping the build loudly on failure:
#   1. virtualenv .venv with the project and its dev extras (PyInstaller)
#   2. the one-folder bundle: PyInstaller with packaging\dti-desk.spec -> dist\dti-desk\
#   3. smoke test FROM THE BUNDLE: --version, --self-test, demo package + package verify,
#      a merge of 450 packages with a worker process
#   4. the installer: ISCC packaging\windows\installer.iss -> dist\dti-desk-<version>-setup.exe
#   5. the portable zip (bundle + dti-desk.portable marker) -> dist\dti-desk-<version>-portable.zip
# Messages are English ASCII on purpose: Windows PowerShell 5.1 misreads a BOM-less UTF-8 script.

[CmdletBinding()]
param(
    # Python used to create .venv when it does not exist yet.
    [string]$Python = "py -3",
    # Full path of ISCC.exe; found in PATH or the usual Inno Setup folders when omitted.
    [string]$Iscc = "",
    # Reuse .venv as it is (no pip install).
    [switch]$SkipInstall,
    # Skip the installer (bundle, smoke test and portable zip only).
    [switch]$NoInstaller
)

Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$VenvPython = Join-Path $Root ".venv\Scripts\python.exe"
$Dist = Join-Path $Root "dist"
$Bundle = Join-Path $Dist "dti-desk"
$Cli = Join-Path $Bundle "dti-desk-cli.exe"
$Started = Get-Date

function Fail([string]$Message) {
    Write-Host "BUILD FAILED: $Message" -ForegroundColor Red
    exit 1
}

# Run a native program; stop the build when it exits non-zero.
function Invoke-Native([string]$Step, [string]$Exe, [string[]]$Arguments) {
    Write-Host "   > $Exe $($Arguments -join ' ')"
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { Fail "$Step (exit code $LASTEXITCODE)" }
}

function Step([string]$Title) {
    Write-Host ""
    Write-Host "== $Title" -ForegroundColor Cyan
}

# --- 1. virtualenv -------------------------------------------------------------------------
Step "1/5 Python environment"
if (-not (Test-Path $VenvPython)) {
    $parts = $Python -split " "
    $exe = $parts[0]
    $rest = @()
    if ($parts.Count -gt 1) { $rest = $parts[1..($parts.Count - 1)] }
    Invoke-Native "create .venv" $exe ($rest + @("-m", "venv", ".venv"))
}
if (-not $SkipInstall) {
    Invoke-Native "upgrade pip" $VenvPython @("-m", "pip", "install", "--upgrade", "pip")
    Invoke-Native "install dti-desk with dev extras" $VenvPython @("-m", "pip", "install", "-e", ".[dev]")
}
$Version = (& $VenvPython -c "import forms; print(forms.__version__)").Trim()
if ($LASTEXITCODE -ne 0 -or -not $Version) { Fail "could not read forms.__version__" }
Write-Host "   dti-desk version $Version"

# --- 2. bundle -----------------------------------------------------------------------------
Step "2/5 PyInstaller one-folder bundle"
Invoke-Native "PyInstaller" $VenvPython @(
    "-m", "PyInstaller", "--noconfirm", "--clean",
    "--distpath", $Dist, "--workpath", (Join-Path $Root "build\pyinstaller"),
    "packaging\dti-desk.spec")
foreach ($exe in @("dti-desk.exe", "dti-desk-cli.exe")) {
    if (-not (Test-Path (Join-Path $Bundle $exe))) { Fail "the bundle has no $exe" }
}
# The spec drops Qt plugins and DLLs the app does not use; make sure nothing kept needs one.
Invoke-Native "bundle link check" $VenvPython @("packaging\check_bundle.py", $Bundle)
$bytes = (Get-ChildItem $Bundle -Recurse -File | Measure-Object -Property Length -Sum).Sum
$mb = [math]::Round($bytes / 1000000, 1)
$verdict = if ($bytes -le 200000000) { "PASS" } else { "OVER" }
Write-Host "   bundle size: $mb MB (budget 200 MB): $verdict"
if ($verdict -ne "PASS") { Fail "the bundle is $mb MB, over the 200 MB budget" }

# --- 3. smoke test from inside the bundle --------------------------------------------------
Step "3/5 Smoke test of the bundle"
$Smoke = Join-Path ([System.IO.Path]::GetTempPath()) ("dti-desk-smoke-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path (Join-Path $Smoke "data"), (Join-Path $Smoke "out") | Out-Null
$env:QT_QPA_PLATFORM = "offscreen"
try {
    $got = (& $Cli --version).Trim()
    if ($LASTEXITCODE -ne 0) { Fail "dti-desk-cli --version (exit code $LASTEXITCODE)" }
    if ($got -ne "dti-desk $Version") { Fail "the bundle says '$got', the package says $Version" }
    Write-Host "   $got"
    # Every subcommand module was bundled: the bundled CLI's help matches the source tree's.
    $env:COLUMNS = "100"
    $helpBundle = (& $Cli --help) -join "`n"
    $helpSource = (& $VenvPython -m desktop --help) -join "`n"
    Remove-Item Env:COLUMNS
    if ($helpBundle -ne $helpSource) { Fail "dti-desk-cli --help differs from the source tree (a command module missing?)" }
    Invoke-Native "self-test" $Cli @("--data-dir", (Join-Path $Smoke "data"), "--self-test")
    Invoke-Native "demo packages" $Cli @("--data-dir", (Join-Path $Smoke "data"),
        "demo", "packages", "--units", "1", "--out", (Join-Path $Smoke "out"))
    $pkg = Get-ChildItem (Join-Path $Smoke "out") -Recurse -Filter "*.dtipkg" | Select-Object -First 1
    if (-not $pkg) { Fail "demo packages wrote no .dtipkg" }
    $trust = Get-ChildItem (Join-Path $Smoke "out") -File -Filter "*trust*" | Select-Object -First 1
    if (-not $trust) { Fail "demo packages wrote no trust registry (*trust*)" }
    Invoke-Native "package verify" $Cli @("--data-dir", (Join-Path $Smoke "data"),
        "package", "verify", $pkg.FullName, "--trust", $trust.FullName)
    # Worker processes from inside the frozen program: a merge of 400+ new packages spawns
    # workers, which re-execute the bundled exe (freeze_support must route them to their task).
    # A failing worker would be covered silently by the merging process, so read how many
    # packages the workers verified.
    $many = Join-Path $Smoke "many"
    Invoke-Native "demo packages (450)" $Cli @("--data-dir", (Join-Path $Smoke "data"),
        "demo", "packages", "--units", "450", "--evidence", "0", "--out", $many)
    $manyTrust = Get-ChildItem $many -File -Filter "*trust*" | Select-Object -First 1
    if (-not $manyTrust) { Fail "demo packages (450) wrote no trust registry (*trust*)" }
    $merged = (& $Cli --data-dir (Join-Path $Smoke "data") merge --db (Join-Path $Smoke "collector.sqlite") `
        $many --trust $manyTrust.FullName --workers 1 --json) -join "`n"
    if ($LASTEXITCODE -ne 0) { Fail "merge with a worker process (exit code $LASTEXITCODE)" }
    $summary = $merged | ConvertFrom-Json
    if ($summary.accepted -ne 450) { Fail "merge with a worker process accepted $($summary.accepted) of 450" }
    if ($summary.verified_in_workers -eq 0) { Fail "no package was verified in a worker process" }
    Write-Host "   450 accepted, $($summary.verified_in_workers) verified in the worker process"
}
finally {
    Remove-Item Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue
    Remove-Item $Smoke -Recurse -Force -ErrorAction SilentlyContinue
}

# --- 4. installer --------------------------------------------------------------------------
Step "4/5 Inno Setup installer"
if ($NoInstaller) {
    Write-Host "   skipped (-NoInstaller)"
}
else {
    if (-not $Iscc) {
        $found = Get-Command "ISCC.exe" -ErrorAction SilentlyContinue
        if ($found) { $Iscc = $found.Source }
    }
    if (-not $Iscc) {
        $candidates = @(
            (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe"))
        $Iscc = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    }
    if (-not $Iscc) { Fail "ISCC.exe not found: install Inno Setup 6.3+ or pass -Iscc <path>" }
    Invoke-Native "ISCC" $Iscc @("/Qp", "/DAppVersion=$Version", "packaging\windows\installer.iss")
    $Setup = Join-Path $Dist "dti-desk-$Version-setup.exe"
    if (-not (Test-Path $Setup)) { Fail "ISCC reported success but $Setup is missing" }
    Write-Host "   $Setup ($([math]::Round((Get-Item $Setup).Length / 1000000, 1)) MB)"
}

# --- 5. portable zip -----------------------------------------------------------------------
Step "5/5 Portable zip"
$Stage = Join-Path ([System.IO.Path]::GetTempPath()) ("dti-desk-portable-" + [guid]::NewGuid())
$Zip = Join-Path $Dist "dti-desk-$Version-portable.zip"
try {
    New-Item -ItemType Directory -Path $Stage | Out-Null
    Copy-Item $Bundle -Destination $Stage -Recurse
    # The marker makes the program keep its data in the "data" folder beside dti-desk.exe.
    Set-Content -Path (Join-Path $Stage "dti-desk\dti-desk.portable") -Encoding ASCII -Value @(
        "dti-desk portable mode: data is kept in the 'data' folder beside dti-desk.exe.",
        "Delete this file to keep data in the user's AppData folder instead.")
    # Prove the marker works before shipping it: the copy keeps its database beside itself.
    $StagedCli = Join-Path $Stage "dti-desk\dti-desk-cli.exe"
    $StagedData = Join-Path $Stage "dti-desk\data"
    Invoke-Native "portable mode check" $StagedCli @("units", "list")
    if (-not (Test-Path (Join-Path $StagedData "dti-desk.sqlite"))) {
        Fail "portable mode: no database in $StagedData (the data went elsewhere)"
    }
    Remove-Item $StagedData -Recurse -Force
    if (Test-Path $Zip) { Remove-Item $Zip -Force }
    Compress-Archive -Path (Join-Path $Stage "dti-desk") -DestinationPath $Zip
}
finally {
    Remove-Item $Stage -Recurse -Force -ErrorAction SilentlyContinue
}
Write-Host "   $Zip"

$elapsed = [math]::Round(((Get-Date) - $Started).TotalSeconds)
Write-Host ""
Write-Host "BUILD OK: dti-desk $Version in $elapsed s; outputs in $Dist" -ForegroundColor Green
