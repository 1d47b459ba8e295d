"""An officer's phone number and e-mail address, checked as typed in the wizard.

Both are optional; what is given goes into the package and the report, where the collector
calls or writes back, so a number with a digit missing is refused before it travels.

Vietnamese numbers (Circular 22/2014/TT-BTTTT, as renumbered in 2017-2018): a mobile number
is ten digits starting with 0 (``0912 345 678``), a fixed line eleven starting with 02
(``0216 3852 123``, the usual number of a commune office); either may be written
international, ``+84`` for the leading 0. Spaces, dots and hyphens between digit groups are
allowed and kept as typed.
"""

from __future__ import annotations

import re

from forms.i18n import _

MAX_EMAIL = 254  # RFC 5321's path limit
_SEPARATORS = re.compile(r"[ .\-]")
_PHONE = re.compile(r"0\d{9}|02\d{9}")
# deliberately plain: one @, a local part of the usual characters, a domain of labels with a
# dot; addresses that need quoting do not appear on a commune office's letterhead
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def phone_digits(text: str) -> str | None:
    """The national digits of a Vietnamese number (``0912345678``), or None if ``text`` is not
    one. ``+84 912 345 678`` and ``0912.345.678`` give the same digits."""
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    if not compact.isascii() or _PHONE.fullmatch(compact) is None:
        return None
    return compact


def phone_problem(text: str) -> str | None:
    """Why ``text`` is not a phone number to put in a package, or None (empty is fine)."""
    if not text.strip() or phone_digits(text) is not None:
        return None
    return _(
        "Số điện thoại “{text}” không đúng: số di động có 10 chữ số bắt đầu bằng 0 (ví dụ 0912 345 678), số cố định 11 chữ số bắt đầu bằng 02; có thể viết +84 thay cho số 0 đầu.",
        text=text.strip(),
    )


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an e-mail address, or None (empty is fine)."""
    address = text.strip()
    if not address:
        return None
    if len(address) <= MAX_EMAIL and _EMAIL.fullmatch(address) is not None:
        return None
    return _(
        "Địa chỉ thư điện tử “{text}” không đúng dạng (ví dụ: vanhoa.xahienquan@caobang.gov.vn).",
        text=address,
    )
