"""Typed GUI preferences over QSettings, every option declared once with its default.

Only preferences of the window live here (language, geometry, mode, last folders); the
officer's data (profile, unit, answers) lives in the database. Like Picard's option
registry: an option has a name, a type and a default, and a version number lets a later
release upgrade old values in one place (``_upgrade``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from desktop.qt import QByteArray, QSettings

VERSION = 1

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    """A preference: ``settings.get(LANGUAGE)`` is a ``str`` because ``LANGUAGE`` is an
    ``Option[str]``."""

    key: str
    type: type[T]
    default: T


LANGUAGE = Option("ui/language", str, "vi")
GEOMETRY = Option("ui/geometry", QByteArray, QByteArray())
WINDOW_STATE = Option("ui/state", QByteArray, QByteArray())
SPLITTER = Option("ui/splitter", QByteArray, QByteArray())
MODE = Option("ui/mode", str, "commune")  # "commune" or "collector"
# the collector's organisation (e.g. "Phòng Văn hóa - Xã hội khu vực 3"): bundles and reviews
# name it; storage's profile has no such field, and a commune does not need one
ORGANISATION = Option("collector/organisation", str, "")
# the collector window: charts shown below the ranking, the export dialog's last answers
# the collector's database: "" for the embedded SQLite file, else a postgresql:// URL without
# its password (asked when connecting, never stored: desktop.collector.connection)
COLLECTOR_DB = Option("collector/database", str, "")
CHARTS_SHOWN = Option("collector/charts_shown", bool, True)
EXPORT_LAYOUT = Option("collector/export_layout", str, "overall")  # forms.ranking_xlsx.LAYOUTS
EXPORT_APPENDIX = Option("collector/export_appendix", str, "")
EXPORT_TITLE = Option("collector/export_title", str, "")
EXPORT_DECISION = Option("collector/export_decision", str, "")
EXPORT_RANK_COLUMN = Option("collector/export_rank_column", bool, False)
EXPORT_GROUP_HEADER = Option("collector/export_group_header", str, "Khu vực")
LAST_EVIDENCE_DIR = Option("paths/last_evidence_dir", str, "")
LAST_EXPORT_DIR = Option("paths/last_export_dir", str, "")
# the USB token certificate the setup wizard chose to sign with (never the PIN): the finalise
# dialog starts with it; an empty CKA_ID means the app's own key
SIGNING_TOKEN_MODULE = Option("signing/token_module", str, "")
SIGNING_TOKEN_SERIAL = Option("signing/token_serial", str, "")
SIGNING_TOKEN_ID = Option("signing/token_cka_id", str, "")  # hex
LAST_CRITERIA_DIR = Option("paths/last_criteria_dir", str, "")
ONLY_UNFINISHED = Option("editor/only_unfinished", bool, False)
LAST_INDICATOR = Option("editor/last_indicator", str, "")
# the assessment (id) whose "Dùng lại câu trả lời năm trước" was offered at start: offered once
CARRY_OFFERED = Option("editor/carry_offered", str, "")


COMMUNE, COLLECTOR = "commune", "collector"
INI_FILE = "settings.ini"


def ini_path_for(
    cli_value: str | None,
    data_dir: Path,
    *,
    exe_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Path | None:
    """``<data_dir>/settings.ini`` when the data folder was chosen (``--data-dir``,
    ``DTI_DATA_DIR``) or is the portable one beside the executable; None for the OS store.

    A USB stick must carry its preferences (mode, language) with its data and leave nothing in
    the registry of the office PC; a folder given by hand is a separate installation too.
    """
    from local_db.paths import PORTABLE_MARKER, executable_dir

    env = os.environ if env is None else env
    exe_dir = executable_dir() if exe_dir is None else exe_dir
    chosen = bool(cli_value) or bool(env.get("DTI_DATA_DIR"))
    portable = exe_dir is not None and (exe_dir / PORTABLE_MARKER).is_file()
    return Path(data_dir) / INI_FILE if chosen or portable else None


def settings_for(
    cli_value: str | None,
    data_dir: Path,
    *,
    exe_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """The GUI's settings for this data folder (see ``ini_path_for``)."""
    return Settings(ini_path_for(cli_value, data_dir, exe_dir=exe_dir, env=env))


class Settings:
    """``settings.get(LANGUAGE)`` / ``settings.set(LANGUAGE, "en")``.

    ``path`` selects an INI file (tests, portable mode); otherwise the OS's native store
    (the registry on Windows), keyed by the application's organisation and name.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if path is None:
            self._qs = QSettings()
        else:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        self._upgrade()

    def mode(self) -> str:
        """``COMMUNE`` or ``COLLECTOR`` (anything else stored reads as the commune's)."""
        return COLLECTOR if self.get(MODE) == COLLECTOR else COMMUNE

    def get(self, option: Option[T]) -> T:
        value = self._qs.value(option.key, option.default)
        if value is None:
            return option.default
        if isinstance(value, option.type):
            return value
        if option.type is bool and isinstance(value, str):
            # INI files store booleans as text
            return cast(T, value.lower() == "true")
        if option.type is QByteArray:
            return cast(
                T, cast(Any, QByteArray)(value)
            )  # its stubs differ between PySide6 releases
        try:
            make = cast(Callable[[Any], T], option.type)  # str(x), bool(x): one argument
            return make(value)
        except (TypeError, ValueError):
            return option.default

    def set(self, option: Option[T], value: T) -> None:
        self._qs.setValue(option.key, value)

    def sync(self) -> None:
        self._qs.sync()

    def _upgrade(self) -> None:
        stored = int(str(self._qs.value("meta/version", 0) or 0))
        # Future versions rename or convert options here, oldest first.
        if stored < VERSION:
            self._qs.setValue("meta/version", VERSION)
