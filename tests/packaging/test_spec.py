"""Fast checks of the packaging files, without building anything (the build is `make bundle`).

The spec is executed for real, with PyInstaller's build classes replaced by recorders, so these
tests see exactly the data files, hidden imports, excludes and options a build would get.
"""

from __future__ import annotations

import ast
import configparser
import pkgutil
import re
import sys
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest

import desktop.commands
import forms

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "dti-desk.spec"
ISS = ROOT / "packaging" / "windows" / "installer.iss"
ISL = ROOT / "packaging" / "windows" / "Vietnamese.isl"
BUILD_PS1 = ROOT / "packaging" / "windows" / "build.ps1"
BUILD_SH = ROOT / "packaging" / "build-linux.sh"


class _Recorder:
    """Stands in for Analysis/PYZ/EXE/COLLECT: keeps its arguments, has the attributes used."""

    calls: list[_Recorder]

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        # Analysis results the spec filters; entries are (dest, src, typecode) like PyInstaller's.
        self.binaries = [
            ("PySide6/Qt/lib/libQt6Widgets.so.6", "/x", "BINARY"),
            ("PySide6/Qt/lib/libQt6Quick.so.6", "/x", "BINARY"),
            ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/x", "BINARY"),
            (
                "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
                "/x",
                "BINARY",
            ),
        ]
        self.datas = [
            ("PySide6/Qt/translations/qtbase_de.qm", "/x", "DATA"),
            ("PySide6/Qt/translations/qtbase_en.qm", "/x", "DATA"),
            ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ]
        self.pure, self.scripts = [], []
        type(self).calls.append(self)


def _recorder(name: str) -> type[_Recorder]:
    return type(name, (_Recorder,), {"calls": []})


def run_spec(tmp_path: Path, platform: str = "linux") -> SimpleNamespace:
    """Execute the spec the way PyInstaller does, with recorders for the build steps."""
    classes = {name: _recorder(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    namespace = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPEC": str(SPEC),
        "SPECPATH": str(SPEC.parent),
        "workpath": str(tmp_path / "work"),
        "DISTPATH": str(tmp_path / "dist"),
        "specnm": "dti-desk",
        **classes,
    }
    # Imported before faking the platform: PyInstaller.compat decides at import what OS it is on.
    import PyInstaller.utils.hooks  # noqa: F401

    saved_platform, saved_path = sys.platform, list(sys.path)
    sys.platform = platform  # the spec branches on it (two programs on Windows)
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    finally:
        sys.platform = saved_platform
        sys.path[:] = saved_path
    return SimpleNamespace(ns=namespace, **{k: v.calls for k, v in classes.items()})


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> SimpleNamespace:
    return run_spec(tmp_path_factory.mktemp("spec"))


def test_spec_parses_and_builds_one_folder(spec):
    ast.parse(SPEC.read_text(encoding="utf-8"))
    assert len(spec.Analysis) == 1 and len(spec.PYZ) == 1 and len(spec.COLLECT) == 1
    (exe,) = spec.EXE
    # one-folder: the program excludes the libraries, COLLECT puts them beside it
    assert exe.kwargs["exclude_binaries"] is True
    assert exe.kwargs["name"] == "dti-desk"
    assert spec.COLLECT[0].kwargs["name"] == "dti-desk"
    assert exe in spec.COLLECT[0].args
    assert spec.Analysis[0].args[0] == [str(ROOT / "packaging" / "launcher.py")]


def test_upx_is_off_everywhere(spec):
    for call in [*spec.EXE, *spec.COLLECT]:
        assert call.kwargs["upx"] is False


def test_windows_build_has_gui_and_console_programs_with_icon_and_version(tmp_path):
    win = run_spec(tmp_path, platform="win32")
    programs = {call.kwargs["name"]: call.kwargs for call in win.EXE}
    assert set(programs) == {"dti-desk", "dti-desk-cli"}
    assert programs["dti-desk"]["console"] is False  # file associations: no console window
    assert programs["dti-desk-cli"]["console"] is True
    for kwargs in programs.values():
        assert Path(kwargs["icon"]) == ROOT / "resources" / "icons" / "dti-desk.ico"
        assert Path(kwargs["version"]) == tmp_path / "work" / "version_info.txt"
        assert kwargs["strip"] is False


def test_icon_is_a_multi_size_ico():
    data = (ROOT / "resources" / "icons" / "dti-desk.ico").read_bytes()
    reserved, kind, count = int.from_bytes(data[0:2], "little"), data[2], data[4]
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes


def test_every_listed_data_folder_exists_and_ships_its_files(spec):
    folders = spec.ns["DATA_FOLDERS"]
    assert {"resources/criteria", "resources/units", "resources/i18n", "resources/icons"} <= set(
        folders
    )
    datas = spec.Analysis[0].kwargs["datas"]
    for folder in folders:
        assert (ROOT / folder).is_dir(), folder
        shipped = {
            Path(src).name for src, dest in datas if dest.replace("\\", "/").startswith(folder)
        }
        on_disk = {
            p.name
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")
        }
        assert shipped == on_disk, folder


def test_data_files_keep_their_place_under_resources(spec):
    for src, dest in spec.Analysis[0].kwargs["datas"]:
        assert Path(src).parent.relative_to(ROOT).as_posix() == dest.replace("\\", "/")


def test_a_missing_data_folder_fails_the_build(tmp_path):
    text = SPEC.read_text(encoding="utf-8").replace(
        '"resources/icons",', '"resources/no-such-folder",', 1
    )
    assert "no-such-folder" in text
    broken = tmp_path / "broken.spec"
    broken.write_text(text, encoding="utf-8")
    namespace = {
        "SPECPATH": str(SPEC.parent),
        "workpath": str(tmp_path),
        **{n: _recorder(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")},
    }
    saved = list(sys.path)
    try:
        with pytest.raises(SystemExit, match="resources/no-such-folder is missing"):
            exec(compile(text, str(broken), "exec"), namespace)
    finally:
        sys.path[:] = saved


def test_every_command_module_is_a_hidden_import(spec):
    hidden = set(spec.Analysis[0].kwargs["hiddenimports"])
    modules = {
        f"desktop.commands.{m.name}" for m in pkgutil.iter_modules(desktop.commands.__path__)
    }
    assert modules, "desktop/commands holds no module"
    assert modules <= hidden
    # importlib.resources.files("resources") imports the package by name
    assert "resources" in hidden


def test_spec_uses_collect_submodules_for_the_commands():
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    calls = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "collect_submodules"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert "desktop.commands" in calls


def test_every_hidden_import_is_commented():
    text = SPEC.read_text(encoding="utf-8")
    block = text[text.index("HIDDEN_IMPORTS = [") :]
    block = block[: block.index("\n]\n")]
    lines = block.splitlines()[1:]
    for i, line in enumerate(lines):
        if line.strip().startswith("*") or line.strip().startswith('"'):
            assert lines[i - 1].strip().startswith("#") or "#" in line, line


def test_version_comes_from_the_package(tmp_path, monkeypatch):
    assert not re.search(r"VERSION\s*=\s*['\"]", SPEC.read_text(encoding="utf-8"))
    monkeypatch.setattr(forms, "__version__", "7.8.9")
    result = run_spec(tmp_path)
    assert result.ns["VERSION"] == "7.8.9"
    text = (tmp_path / "work" / "version_info.txt").read_text(encoding="utf-8")
    assert "filevers=(7, 8, 9, 0)" in text and "StringStruct('ProductVersion', '7.8.9')" in text


def test_version_file_is_what_pyinstaller_can_load(spec, tmp_path):
    # PyInstaller's loader eval()s the text with its versioninfo classes in scope; do the
    # same with stand-ins that record the structure.
    def node(kind):
        return lambda *args, **kwargs: (kind, args, kwargs)

    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]
    text = spec.ns["version_file_text"]("1.2.0rc1")
    kind, _, info = eval(text, {n: node(n) for n in names})  # noqa: S307 (our own generated text)
    assert kind == "VSVersionInfo"
    assert info["ffi"][2]["filevers"] == (1, 2, 0, 0)
    table = info["kids"][0][1][0][0]
    strings = dict(s[1] for s in table[1][1])
    assert strings["ProductVersion"] == "1.2.0rc1"
    assert strings["OriginalFilename"] == "dti-desk.exe"
    assert unicodedata.is_normalized("NFC", strings["FileDescription"])


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("2", (2, 0, 0, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("1.10.0.dev3", (1, 10, 0, 0)),
    ],
)
def test_version_tuple(spec, version, numbers):
    assert spec.ns["version_tuple"](version) == numbers


def _qt_modules_the_app_imports() -> set[str]:
    used = set()
    for folder in ("desktop", "forms", "local_db", "packaging"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            used |= {f"PySide6.{m}" for m in re.findall(r"PySide6\.(Qt\w+)", text)}
            for names in re.findall(r"from PySide6 import \(?([\w\s,]+)\)?", text):
                used |= {f"PySide6.{n.strip()}" for n in names.split(",") if n.strip()}
    return used


def test_unused_qt_modules_are_excluded_and_used_ones_are_not(spec):
    excludes = set(spec.Analysis[0].kwargs["excludes"])
    for module in (
        "PySide6.QtWebEngineCore",
        "PySide6.Qt3DCore",
        "PySide6.QtQuick",
        "PySide6.QtQml",
        "PySide6.QtMultimedia",
        "PySide6.QtBluetooth",
        "PySide6.QtSql",
    ):
        assert module in excludes
    used = _qt_modules_the_app_imports()
    assert "PySide6.QtWidgets" in used
    assert not used & excludes, f"the app imports excluded Qt modules: {sorted(used & excludes)}"


def test_binary_and_data_filters(spec):
    keep_binary, keep_data = spec.ns["keep_binary"], spec.ns["keep_data"]
    assert keep_binary("PySide6/Qt/plugins/platforms/libqoffscreen.so")
    assert keep_binary("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert keep_binary("PySide6\\plugins\\platforms\\qwindows.dll")
    assert keep_binary("PySide6\\Qt6Widgets.dll")
    assert keep_binary("PySide6/Qt/lib/libQt6Charts.so.6")
    assert not keep_binary("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so")
    assert not keep_binary("PySide6\\plugins\\imageformats\\qpdf.dll")
    assert not keep_binary("PySide6\\Qt6Quick.dll")
    assert not keep_binary("libQt6Qml.so.6")
    assert not keep_binary("PySide6\\opengl32sw.dll")
    assert keep_data("PySide6/Qt/translations/qtbase_en.qm")
    assert not keep_data("PySide6/Qt/translations/qtbase_de.qm")
    assert keep_data("resources/i18n/en/common.json")
    analysis = spec.Analysis[0]
    binaries = [d for d, _, _ in analysis.binaries]
    assert "PySide6/Qt/plugins/platforms/libqoffscreen.so" in binaries
    assert "PySide6/Qt/lib/libQt6Quick.so.6" not in binaries
    assert not [d for d in binaries if "virtualkeyboard" in d]
    # the dangling top-level symlink to a dropped library goes too
    assert [d for d, _, _ in analysis.datas] == ["PySide6/Qt/translations/qtbase_en.qm"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux ELF libraries")
def test_link_closure_keeps_linked_libraries_and_drops_the_rest(spec):
    import PySide6

    pyside = Path(PySide6.__file__).parent
    lib = pyside / "Qt" / "lib"
    binaries = [
        ("PySide6/QtWidgets.abi3.so", str(pyside / "QtWidgets.abi3.so"), "EXTENSION"),
        (
            "PySide6/Qt/plugins/platforms/libqoffscreen.so",
            str(pyside / "Qt/plugins/platforms/libqoffscreen.so"),
            "BINARY",
        ),
        *[
            (f"PySide6/Qt/lib/{name}", str(lib / name), "BINARY")
            for name in (
                "libQt6Widgets.so.6",
                "libQt6Gui.so.6",
                "libQt6Core.so.6",
                "libQt6Pdf.so.6",
            )
        ],
    ]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("resources/i18n/en/common.json", "/x", "DATA"),
    ]
    kept_binaries, kept_datas = spec.ns["link_closure"](binaries, datas)
    kept = {Path(d).name for d, _, _ in kept_binaries}
    # QtWidgets' binding links Widgets, Gui and Core; nothing kept links QtPdf
    assert {"libQt6Widgets.so.6", "libQt6Gui.so.6", "libQt6Core.so.6"} <= kept
    assert "libQt6Pdf.so.6" not in kept
    assert [d for d, _, _ in kept_datas] == ["libQt6Core.so.6", "resources/i18n/en/common.json"]


# --- Inno Setup ---------------------------------------------------------------------------


def _iss_text() -> str:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "installer.iss must be UTF-8 with BOM (Vietnamese text)"
    return raw.decode("utf-8-sig")


def _iss_section(name: str) -> list[str]:
    lines, inside = [], False
    for line in _iss_text().splitlines():
        if re.match(r"^\[\w+\]\s*$", line):
            inside = line.strip().lower() == f"[{name.lower()}]"
            continue
        if inside and line.strip() and not line.lstrip().startswith(";"):
            lines.append(line)
    return lines


def test_installer_is_per_user_without_admin():
    setup = dict(line.split("=", 1) for line in _iss_section("Setup"))
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup
    assert setup["DefaultDirName"] == r"{localappdata}\Programs\{#AppName}"
    assert "ChangesAssociations" in setup and setup["ChangesAssociations"] == "yes"
    assert "{#AppVersion}" in setup["AppVersion"]
    assert setup["LanguageDetectionMethod"] == "none"


def test_installer_associates_the_three_file_types_in_hkcu():
    registry = _iss_section("Registry")
    for ext in (".dtipkg", ".dtibundle", ".dtireview"):
        progid = f"dti-desk{ext}"
        entries = [
            e
            for e in registry
            if f"Software\\Classes\\{ext}" in e or f"Software\\Classes\\{progid}" in e
        ]
        assert entries, ext
        assert all(e.startswith("Root: HKCU;") for e in entries)
        assert any(
            f'Subkey: "Software\\Classes\\{ext}"' in e and f'ValueData: "{progid}"' in e
            for e in entries
        )
        commands = [e for e in entries if f"{progid}\\shell\\open\\command" in e]
        assert len(commands) == 1
        assert 'ValueData: """{app}\\dti-desk.exe"" open ""%1"""' in commands[0]


def test_installer_languages_vietnamese_first_then_english():
    languages = _iss_section("Languages")
    assert languages[0].startswith('Name: "vi"') and "Vietnamese.isl" in languages[0]
    assert languages[1].startswith('Name: "en"')
    assert ISL.is_file()


def test_every_custom_message_exists_in_both_languages():
    text = _iss_text()
    defined: dict[str, set[str]] = {}
    for line in _iss_section("CustomMessages"):
        lang, name = line.split("=", 1)[0].split(".")
        defined.setdefault(name, set()).add(lang)
    assert all(langs == {"vi", "en"} for langs in defined.values()), defined
    isl = configparser.ConfigParser(interpolation=None, strict=False)
    isl.optionxform = str  # keep the message names' case
    isl.read_string(ISL.read_bytes().decode("utf-8-sig"))
    from_isl = set(isl["CustomMessages"])  # English comes from Inno's Default.isl
    used = set(re.findall(r"\{cm:(\w+)", text)) | set(re.findall(r"CustomMessage\('(\w+)'\)", text))
    assert used, "the script uses no custom message?"
    assert used <= set(defined) | from_isl, used - set(defined) - from_isl


def test_vietnamese_isl_is_utf8_bom_nfc_and_declares_vietnamese():
    raw = ISL.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert unicodedata.is_normalized("NFC", text)
    isl = configparser.ConfigParser(interpolation=None, strict=True)
    isl.optionxform = str
    isl.read_string(text)  # strict: a duplicated message name fails here
    assert isl["LangOptions"]["LanguageID"] == "$042A"
    assert isl["LangOptions"]["LanguageName"] == "Tiếng Việt"
    messages = isl["Messages"]
    for key in (
        "ButtonNext",
        "ButtonInstall",
        "WelcomeLabel1",
        "ConfirmUninstall",
        "SelectLanguageTitle",
    ):
        assert messages[key].strip(), key
    # Inno fills these placeholders; a translation must keep them
    assert "[name]" in messages["WelcomeLabel1"] and "%1" in messages["ConfirmUninstall"]


def test_uninstaller_keeps_data_unless_asked():
    code = _iss_text().split("[Code]", 1)[1]
    assert "MB_DEFBUTTON2" in code  # Enter = No = keep
    assert "/PURGEDATA" in code  # silent uninstalls keep the data unless told
    assert "{localappdata}\\dti-desk" in code  # local_db/paths.py's Windows data folder


def test_build_scripts_run_the_same_spec_and_the_checks():
    ps1 = BUILD_PS1.read_text(encoding="ascii")  # ASCII: Windows PowerShell 5.1 reads it right
    sh = BUILD_SH.read_text(encoding="utf-8")
    for script in (ps1, sh):
        assert "dti-desk.spec" in script and "--self-test" in script
        assert "package" in script and "verify" in script and "--trust" in script
    assert "installer.iss" in ps1 and "ISCC" in ps1
    assert "PASS" in sh and "OVER" in sh


def _check_bundle_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_bundle", ROOT / "packaging" / "check_bundle.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies Linux ELF libraries")
def test_check_bundle_finds_a_plugin_whose_qt_library_was_dropped(tmp_path):
    import shutil

    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    bundle = tmp_path / "dti-desk"
    plugin = bundle / "_internal/PySide6/Qt/plugins/iconengines/libqsvgicon.so"
    plugin.parent.mkdir(parents=True)
    shutil.copy2(qt / "plugins/iconengines/libqsvgicon.so", plugin)
    check = _check_bundle_module()

    problems = check.missing_links(bundle)
    assert (
        "_internal/PySide6/Qt/plugins/iconengines/libqsvgicon.so needs libQt6Svg.so.6" in problems
    )
    assert check.main([str(bundle)]) == 1

    # ship every library named (and then what those need): the bundle becomes complete
    lib = bundle / "_internal/PySide6/Qt/lib"
    lib.mkdir(parents=True)
    for _round in range(5):
        for problem in problems:
            name = problem.rsplit(" needs ", 1)[1]
            shutil.copy2(qt / "lib" / name, lib / name)
        problems = check.missing_links(bundle)
        if not problems:
            break
    assert problems == []
    assert (lib / "libQt6Svg.so.6").is_file()
    assert check.main([str(bundle)]) == 0
    assert check.main([str(tmp_path / "nowhere")]) == 2


def test_installer_and_storage_agree_on_where_data_lives():
    # The uninstaller deletes (on request) exactly the folder local_db keeps data in on Windows,
    # and never ships the portable marker that would move it.
    from local_db.paths import APP_NAME, PORTABLE_MARKER, user_data_dir

    iss = _iss_text()
    assert user_data_dir(
        env={"LOCALAPPDATA": r"C:\Users\a\AppData\Local"}, platform="win32"
    ) == Path(r"C:\Users\a\AppData\Local", APP_NAME)
    assert f"{{localappdata}}\\{APP_NAME}" in iss
    assert f'Excludes: "{PORTABLE_MARKER}"' in iss
    assert PORTABLE_MARKER in BUILD_PS1.read_text(encoding="ascii")
    # QSettings keeps the GUI's preferences under HKCU\Software\<organisation>\<application>
    app_py = (ROOT / "desktop" / "app.py").read_text(encoding="utf-8")
    assert (
        'setOrganizationName("dti-desk")' in app_py and 'setApplicationName("dti-desk")' in app_py
    )
    assert "'Software\\dti-desk'" in iss
    # the installer's language preset is the GUI's LANGUAGE option ("ui/language" = subkey ui)
    from desktop.settings import LANGUAGE

    assert LANGUAGE.key == "ui/language"
    assert (
        'Subkey: "Software\\dti-desk\\dti-desk\\ui"; ValueType: string; ValueName: "language"'
        in iss
    )
