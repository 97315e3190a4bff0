"""Hypothesis strategies for broken request bodies: JSON that is truncated, mistyped, holds huge numbers, is
nested deep, is not UTF-8 or repeats keys; and multipart bodies broken in the ways a SvarUt client can break
them (no boundary, truncated parts, wrong part order, giant headers, no file, a file not named in the
metadata)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.support_svarut import Part, letter_parts, multipart, pdf

HUGE_NUMBERS = [
    "1e999",
    "-1e999",
    "1" * 400,
    "-" + "9" * 400,
    "1E-400",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.7976931348623157e309",
    "18446744073709551616",
    "9223372036854775808",
    "0.000000000000000000000000000001",
    "01",
    "1.",
    ".5",
    "+1",
]
_MARK = "__helsebro_fuzz_value__"

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12
)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value (dict keys and list indices) a value sits."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append(prefix + (key,))
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append(prefix + (index,))
            found += _paths(item, prefix + (index,))
    return found


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(copy[path[0]], path[1:], new)
    return copy


def truncated(valid: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(min_value=0, max_value=max(0, len(valid) - 1)).map(lambda n: valid[:n])


def wrong_types(sample: Any) -> st.SearchStrategy[bytes]:
    places = _paths(sample) or [()]
    return st.tuples(st.sampled_from(places), json_values).map(lambda t: _dump(_replaced(sample, t[0], t[1])))


def huge_numbers(sample: Any) -> st.SearchStrategy[bytes]:
    places = _paths(sample) or [()]

    def build(place: tuple, literal: str) -> bytes:
        return _dump(_replaced(sample, place, _MARK)).replace(f'"{_MARK}"'.encode(), literal.encode())

    return st.tuples(st.sampled_from(places), st.sampled_from(HUGE_NUMBERS)).map(lambda t: build(*t))


def deep_nesting() -> st.SearchStrategy[bytes]:
    return st.tuples(st.integers(min_value=50, max_value=200_000), st.booleans()).map(
        lambda t: b"[" * t[0] + b"]" * t[0] if t[1] else b'{"a":' * t[0] + b"1" + b"}" * t[0]
    )


def invalid_utf8(valid: bytes) -> st.SearchStrategy[bytes]:
    bad = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"])
    return st.tuples(st.integers(min_value=0, max_value=len(valid)), bad).map(lambda t: valid[: t[0]] + t[1] + valid[t[0] :]) | st.just(
        valid.replace(b'"', b'"\\ud800', 1)
    )


def duplicate_keys(sample: Any) -> st.SearchStrategy[bytes]:
    if not isinstance(sample, dict) or not sample:
        return st.just(b'{"a": 1, "a": 2}')

    def build(key: str, other: Any) -> bytes:
        text = _dump(sample)
        return text[:-1] + b", " + _dump(key) + b": " + _dump(other) + b"}"

    return st.tuples(st.sampled_from(sorted(sample)), json_values).map(lambda t: build(*t))


def broken_json(sample: Any) -> st.SearchStrategy[bytes]:
    valid = _dump(sample)
    return st.one_of(
        truncated(valid),
        wrong_types(sample),
        huge_numbers(sample),
        deep_nesting(),
        invalid_utf8(valid),
        duplicate_keys(sample),
        json_values.map(_dump),
        st.binary(max_size=64),
    )


# -- multipart (SvarUt send) ---------------------------------------------------------------------------------


def _raw(parts: list[Part], boundary: str) -> bytes:
    return multipart(parts, boundary)[1]


@st.composite
def broken_multipart(draw, metadata: dict, filnavn: str) -> tuple[str, bytes]:
    """(Content-Type, body) of a send that must be refused: one thing broken at a time."""
    boundary = "helsebrofuzz" + str(draw(st.integers(min_value=0, max_value=10**6)))
    content_type = f"multipart/form-data; boundary={boundary}"
    good = letter_parts(metadata, [(filnavn, pdf("fuzz"))])
    kinds = [
        "no_boundary",
        "truncated",
        "wrong_order",
        "giant_header",
        "no_files",
        "mismatched_filnavn",
        "other_boundary",
        "broken_metadata",
        "no_closing",
        "garbage",
        "not_multipart",
        "duplicate_metadata",
    ]
    if "dokumenter" not in metadata:  # nhn: one PDF under any name, so no name can mismatch
        kinds.remove("mismatched_filnavn")
    kind = draw(st.sampled_from(kinds))
    if kind == "no_boundary":
        return draw(st.sampled_from(["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; boundary=""'])), _raw(
            good, boundary
        )
    if kind == "truncated":
        body = _raw(good, boundary)
        # Stop short of the closing delimiter: a body that ends there is complete.
        return content_type, body[: draw(st.integers(min_value=0, max_value=len(body) - len(boundary) - 8))]
    if kind == "wrong_order":
        return content_type, _raw(good[1:] + good[:1], boundary)
    if kind == "giant_header":
        size = draw(st.sampled_from([20_000, 100_000, 1_000_000]))
        part = Part("forsendelse", good[0].data, content_type="application/json; x=" + "a" * size)
        return content_type, _raw([part, *good[1:]], boundary)
    if kind == "no_files":
        return content_type, _raw(good[:1], boundary)
    if kind == "mismatched_filnavn":
        other = draw(st.sampled_from(["annet.pdf", filnavn.upper(), filnavn + " ", "../" + filnavn, ""]))
        return content_type, _raw([good[0], Part("filer_0", pdf("fuzz"), filename=other, content_type="application/pdf")], boundary)
    if kind == "other_boundary":
        return content_type, _raw(good, boundary + "x")
    if kind == "broken_metadata":  # broken so that no reading of it is a good letter
        valid = _dump(metadata)
        data = draw(
            truncated(valid) | invalid_utf8(valid) | deep_nesting() | json_values.filter(lambda v: not isinstance(v, dict)).map(_dump)
        )
        return content_type, _raw([Part("forsendelse", data, content_type="application/json"), *good[1:]], boundary)
    if kind == "no_closing":
        return content_type, _raw(good, boundary).rsplit(f"--{boundary}--".encode(), 1)[0]
    if kind == "garbage":
        return content_type, draw(st.binary(max_size=256))
    if kind == "not_multipart":
        return draw(st.sampled_from(["application/json", "text/plain", "application/octet-stream"])), _dump(metadata)
    return content_type, _raw([good[0], *good], boundary)  # duplicate_metadata: the forsendelse part twice
