"""Typing numbers: one number locale for the whole app, and boxes that take "10,5" and "10.5".

Qt's number boxes follow the PC's regional settings: on a PC set to English (or the C locale
of a fresh Linux) ``QDoubleSpinBox`` reads the comma in "10,5" as a thousands separator and the
reviewer's 10,5 points became 10, with no message. The app chooses the number locale from its
own language instead (Vietnamese: decimal comma, dot thousands; English: the reverse), and
every box accepts either mark as the decimal separator, as the answer fields already do
(``forms.values.to_decimal``). A value with more decimals than the box keeps is refused as it
is typed, never rounded away behind the officer's back.
"""

from __future__ import annotations

from decimal import Decimal

from desktop.qt import QDoubleSpinBox, QLocale, QValidator, QWidget
from forms.i18n import language
from forms.values import to_decimal


def number_locale(lang: str | None = None) -> QLocale:
    """The locale numbers are shown in: the app's language, never the PC's region."""
    if (lang or language()) == "en":
        locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    else:
        locale = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
    return locale


def apply_number_locale(lang: str | None = None) -> None:
    """Make the app's number locale Qt's default (boxes made afterwards follow it)."""
    QLocale.setDefault(number_locale(lang))


def typed_decimal(text: str) -> Decimal | None:
    """What a person typed, with a decimal comma or a decimal point: ``10,5`` = ``10.5``.

    With both marks the last one is the decimal separator (``1.234,5`` and ``1,234.5``)."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    return to_decimal(text)


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class DecimalSpinBox(QDoubleSpinBox):
    """A ``QDoubleSpinBox`` in the app's number locale that reads both decimal marks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLocale(number_locale())

    def _core(self, text: str) -> str:
        core = text
        if self.prefix() and core.startswith(self.prefix()):
            core = core[len(self.prefix()) :]
        if self.suffix() and core.endswith(self.suffix()):
            core = core[: -len(self.suffix())]
        return core.strip()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        core = self._core(text)
        if core in ("", "-", "+") or core.endswith((",", ".")) and typed_decimal(core[:-1] or "0"):
            return QValidator.State.Intermediate, text, pos
        number = typed_decimal(core)
        if number is None or _places(number) > self.decimals():
            return QValidator.State.Invalid, text, pos
        if number > Decimal(str(self.maximum())):
            return QValidator.State.Invalid, text, pos
        if number < Decimal(str(self.minimum())):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        number = typed_decimal(self._core(text))
        return float(number) if number is not None else self.value()

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return self.locale().toString(value, "f", self.decimals())

    def decimal_value(self) -> Decimal:
        """The value as the Decimal the officer sees (no binary-float tail)."""
        return Decimal(self.textFromValue(self.value()).replace(",", "."))
