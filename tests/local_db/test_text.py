"""forms.text: NFC normalisation and the accent-insensitive search key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.text import fold, nfc


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hòa Bình", "hoa binh"),
        ("  HÒA   BÌNH\t", "hoa binh"),
        ("Đoan Hùng", "doan hung"),
        ("đặc khu", "dac khu"),
        ("Phường Nông Trang", "phuong nong trang"),
        ("Xã Tây Cốc", "xa tay coc"),
        ("Ứng Hòe", "ung hoe"),
        ("", ""),
    ],
)
def test_fold(text: str, key: str) -> None:
    assert fold(text) == key


def test_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Việt Trì")
    assert decomposed != "Việt Trì" and nfc(decomposed) == "Việt Trì"


@given(st.text())
def test_fold_is_idempotent_and_ignores_normalisation_form(text: str) -> None:
    key = fold(text)
    assert fold(key) == key
    assert (
        fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text)) == key
    )
    assert key == key.strip() and "  " not in key


@given(
    st.text(
        alphabet="aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐ àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    )
)
def test_folded_vietnamese_is_plain_ascii(text: str) -> None:
    assert fold(text).isascii()


def test_short_list_names_a_few_and_counts_the_rest() -> None:
    from forms.i18n import set_language
    from forms.text import SHORT_LIST, short_list

    codes = [str(10000 + i) for i in range(299)]
    text = short_list(codes)
    assert text == ", ".join(codes[:SHORT_LIST]) + f" và {299 - SHORT_LIST} mục khác"
    assert short_list(codes, None) == ", ".join(codes)  # --verbose: every one
    assert short_list(codes[:SHORT_LIST]) == ", ".join(codes[:SHORT_LIST])  # nothing to cut
    assert short_list([]) == ""
    set_language("en")
    try:
        assert short_list(codes, 2) == "10000, 10001 and 297 more"
    finally:
        set_language("vi")
