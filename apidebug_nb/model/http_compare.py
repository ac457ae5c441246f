"""Comparing values as HTTP compares them (RFC 9110, RFC 3986).

A contract rule may name a *kind* for a comparison (see
:mod:`apidebug_nb.model.rules`); :func:`normaliser` gives the function applied
to both sides before they are compared:

* ``media_type``: type/subtype without case, parameters (``; charset=utf-8``) dropped;
* ``coding`` and ``header_name``: without case;
* ``credentials``: ``Scheme token`` with the scheme without case and the token exact;
* ``url``: after RFC 3986 normalisation (:func:`normalise_url`);
* ``host``: without case or a trailing dot;
* ``retry_after``: delay seconds or an HTTP date (:func:`retry_after_seconds`).

Values that are not strings are compared as they are, so a number never
equals a media type.

>>> normaliser("media_type")("Application/JSON; charset=utf-8")
'application/json'
>>> normaliser("credentials")("bearer sk_1")
('bearer', 'sk_1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

KINDS = ("media_type", "coding", "header_name", "credentials", "url", "host", "retry_after")

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _media_type(value: str) -> str:
    """``Application/JSON; charset=utf-8`` -> ``application/json`` (parameters allowed)."""
    return value.split(";", 1)[0].strip().lower()


def _credentials(value: str) -> tuple[str, str] | str:
    """``bearer abc`` -> ``("bearer", "abc")``: the scheme without case, the token exactly."""
    parts = value.strip().split(None, 1)
    if len(parts) != 2:
        return value
    return parts[0].lower(), parts[1].strip()


def _percent(text: str) -> str:
    """Percent-encodings in upper case; unreserved characters decoded (RFC 3986 6.2.2)."""
    out, n = [], 0
    while n < len(text):
        c = text[n]
        hexdigits = text[n + 1 : n + 3]
        if (
            c == "%"
            and len(hexdigits) == 2
            and all(h in "0123456789abcdefABCDEF" for h in hexdigits)
        ):
            char = chr(int(hexdigits, 16))
            out.append(char if char in _UNRESERVED else "%" + hexdigits.upper())
            n += 3
        else:
            out.append(c)
            n += 1
    return "".join(out)


def normalise_url(value: str) -> str:
    """A URL after RFC 3986 normalisation, for comparing two of them.

    Scheme and host are lowercased, a default port is dropped, an empty path
    becomes ``/`` and percent-encodings are normalised; the path, query and
    user information keep their case.

    >>> normalise_url("HTTPS://API.Example:443/v2/Orders")
    'https://api.example/v2/Orders'
    >>> normalise_url("http://svc.internal:8080")
    'http://svc.internal:8080/'
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return value
    scheme = parts.scheme.lower()
    if not scheme or parts.hostname is None:
        return value
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = _percent(parts.path) or "/"
    return urlunsplit((scheme, netloc, path, _percent(parts.query), parts.fragment))


def retry_after_seconds(value: Any, now: dt.datetime | None = None) -> float | None:
    """A ``Retry-After`` value in seconds: delay seconds, or an HTTP date after ``now``.

    Without ``now`` an HTTP date cannot be turned into a delay: ``None``.
    Anything else (negative, fractional text, garbage) is ``None`` too.

    >>> retry_after_seconds("120"), retry_after_seconds(5)
    (120, 5)
    >>> now = dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.timezone.utc)
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now)
    60.0
    """
    parsed = _retry_after(value)
    if isinstance(parsed, dt.datetime):
        if now is None:
            return None
        return max(0.0, (parsed - now).total_seconds())
    return parsed


def _retry_after(value: Any) -> Any:
    """Seconds as an int, an HTTP date as an aware datetime, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or not text.upper().endswith("GMT"):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


def normaliser(kind: str | None) -> Callable[[Any], Any]:
    """The function a comparison of ``kind`` applies to both sides (``None``: as they are)."""
    if kind is None:
        return _identity
    if kind == "retry_after":
        return lambda v: _Unset if (r := _retry_after(v)) is None else r
    return _TEXT_NORMALISERS[kind]


def _on_text(normalise: Callable[[str], Any]) -> Callable[[Any], Any]:
    """``normalise`` applied to strings only, memoised for short ones: a contract's
    check compares the same few values at every fix (a URL takes a parse)."""
    memo = lru_cache(maxsize=_MEMO_VALUES)(normalise)

    def apply(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return memo(value) if len(value) <= _MEMO_TEXT else normalise(value)

    return apply


_MEMO_TEXT = 512  # longer text (only a hostile fix has it) is not kept
# values kept per normaliser: more than a pass over every variant of a task compares (a
# cyclic pass over more values than an LRU memo keeps would miss every time)
_MEMO_VALUES = 4096
_TEXT_NORMALISERS = {
    "media_type": _on_text(_media_type),
    "coding": _on_text(lambda v: v.strip().lower()),
    "header_name": _on_text(lambda v: v.strip().lower()),
    "credentials": _on_text(_credentials),
    "url": _on_text(normalise_url),
    "host": _on_text(lambda v: v.strip().lower().rstrip(".")),
}


def _identity(value: Any) -> Any:
    return value


class _UnsetType:
    """A value that is equal to nothing (a Retry-After that is neither seconds nor a date)."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0


_Unset = _UnsetType()
