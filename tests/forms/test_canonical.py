"""forms.canonical: one encoding for signed JSON, and a reader that insists on it (hole 8)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.canonical import CanonicalError, canonical_bytes, parse_canonical, strict_loads


def _reason(raw: bytes, parse=parse_canonical) -> str:
    with pytest.raises(CanonicalError) as caught:
        parse(raw)
    return caught.value.reason


def test_hole8_duplicate_keys_are_rejected_not_last_wins():
    """json.loads keeps the last of two equal keys: a signer and a reader could disagree."""
    assert _reason(b'{"year":2025,"year":2026}', strict_loads) == "duplicate_key"
    assert _reason(b'{"a":{"b":1,"b":1}}') == "duplicate_key"


def test_hole8_other_formatting_of_the_same_content_is_not_canonical():
    assert _reason(b'{"b":1, "a":2}') == "not_canonical"
    assert _reason(b'{"b":1,"a":2}') == "not_canonical"  # keys out of order
    assert _reason(b'{"a":"\\u0041"}') == "not_canonical"  # an escape where a letter belongs
    assert _reason(b'{"a":1.50}') == "not_canonical"
    assert parse_canonical(b'{"a":2,"b":1}') == {"a": 2, "b": 1}


def test_nfd_text_bom_nan_and_bad_utf8():
    assert _reason('{"a":"Hoa\u0300"}'.encode()) == "not_nfc"
    assert _reason("\ufeff{}".encode()) == "encoding"
    assert _reason(b'{"a":NaN}') == "syntax"
    assert _reason(b'{"a":"\xff"}') == "encoding"
    assert _reason(b"[" * 100_000) == "syntax"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_bytes_round_trip(value):
    raw = canonical_bytes(value)
    try:
        assert parse_canonical(raw) == value
    except CanonicalError as exc:  # only text that is not NFC may be refused
        assert exc.reason == "not_nfc"


float_free = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(float_free)
def test_the_fast_re_encoding_is_the_reference_encoding(value):
    """The verifier re-encodes with orjson for speed: it must give canonical_bytes' exact bytes
    (control characters, U+2028, astral keys, integers past 64 bits included)."""
    from forms.canonical import _reencoded

    assert _reencoded(value, has_floats=False) == canonical_bytes(value)


def test_floats_are_judged_by_the_reference_encoding():
    assert parse_canonical(b'{"a":1e+16}') == {"a": 1e16}
    assert _reason(b'{"a":1e16}') == "not_canonical"
