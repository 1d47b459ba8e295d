"""Just enough DER reading to check a CMS (PKCS#7) detached signature.

``cryptography`` builds CMS signatures (``PKCS7SignatureBuilder``) but has no public API to
verify them, and the app must stay free of extra native dependencies on office PCs. A CMS
SignedData is a few nested SEQUENCEs; reading them takes the ~60 lines below. Only definite
lengths (DER) are accepted: a BER-encoded signature is rejected rather than half-parsed.
"""

from __future__ import annotations

from dataclasses import dataclass


class DerError(ValueError):
    pass


@dataclass(frozen=True)
class Tlv:
    tag: int
    data: bytes  # the whole buffer
    start: int  # first byte of the TLV
    body: int  # first byte of the contents
    end: int  # one past the last byte

    @property
    def content(self) -> bytes:
        return self.data[self.body : self.end]

    @property
    def raw(self) -> bytes:
        return self.data[self.start : self.end]

    def children(self) -> list[Tlv]:
        if not self.tag & 0x20:
            raise DerError("primitive value has no children")
        return read_all(self.data, self.body, self.end)


def read_one(data: bytes, pos: int = 0, end: int | None = None) -> Tlv:
    end = len(data) if end is None else end
    if pos + 2 > end:
        raise DerError("truncated")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used in CMS")
    first = data[pos + 1]
    body = pos + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DerError("indefinite length (BER) is not DER")
    else:
        count = first & 0x7F
        if count > 4 or body + count > end:
            raise DerError("bad length")
        length = int.from_bytes(data[body : body + count], "big")
        body += count
    if body + length > end:
        raise DerError("truncated")
    return Tlv(tag, data, pos, body, body + length)


def read_all(data: bytes, pos: int, end: int) -> list[Tlv]:
    items = []
    while pos < end:
        item = read_one(data, pos, end)
        items.append(item)
        pos = item.end
    return items


def decode_oid(content: bytes) -> str:
    if not content:
        raise DerError("empty OID")
    parts: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])
