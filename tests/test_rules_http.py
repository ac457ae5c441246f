"""Contracts compare HTTP as HTTP compares it (DESIGN section 1), by example."""

from __future__ import annotations

import datetime as dt

import pytest

from apidebug_nb.errors import RuleError
from apidebug_nb.model.http_compare import normalise_url, retry_after_seconds
from apidebug_nb.model.rules import (
    evaluate,
    holds,
    literal_values,
    lookup,
    rule_paths,
    worst_case_s,
)


def _cfg(**client):
    return {
        "client": client,
        "gw": {
            "types": ["application/json", "application/xml"],
            "codings": ["gzip", "identity"],
            "url": "https://api.example/v2",
            "host": "origin.shop.example",
            "idem": "Idempotency-Key",
            "deadline_ms": 60000,
        },
    }


MEDIA = {"in": ["client.ct", {"ref": "gw.types"}, "media_type"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", True),
        ("application/JSON", True),
        ("Application/Json", True),
        ("application/json; charset=utf-8", True),
        ("application/json;charset=UTF-8", True),
        ("  application/xml ", True),
        ("text/plain", False),
        ("application/jsonx", False),
        ("application", False),
        ("", False),
        (42, False),
        (None, False),
    ],
)
def test_media_types_compare_without_case_and_allow_parameters(value, expected):
    assert holds(MEDIA, _cfg(ct=value)) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("gzip", True), ("GZIP", True), ("Identity", True), ("br", False), ("gzip2", False)],
)
def test_content_codings_compare_without_case(value, expected):
    rule = {"in": ["client.enc", {"ref": "gw.codings"}, "coding"]}
    assert holds(rule, _cfg(enc=value)) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer sk_live_1a", True),
        ("bearer sk_live_1a", True),
        ("BEARER  sk_live_1a", True),
        ("Bearer SK_LIVE_1A", False),  # the token is compared exactly
        ("Basic sk_live_1a", False),
        ("sk_live_1a", False),
        ("Bearer", False),
    ],
)
def test_auth_scheme_without_case_token_exactly(value, expected):
    rule = {
        "eq": [
            "client.headers.Authorization",
            {"ref": "client.api_key", "prefix": "Bearer "},
            "credentials",
        ]
    }
    cfg = _cfg(api_key="sk_live_1a", headers={"Authorization": value})
    assert holds(rule, cfg) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Idempotency-Key", True),
        ("idempotency-key", True),
        ("IDEMPOTENCY-KEY", True),
        ("X-Key", False),
    ],
)
def test_header_names_compare_without_case(value, expected):
    rule = {"eq": ["client.header", {"ref": "gw.idem"}, "header_name"]}
    assert holds(rule, _cfg(header=value)) is expected


def test_a_path_under_headers_finds_the_header_without_case():
    cfg = _cfg(headers={"content-type": "application/json"}, other={"content-type": 1})
    assert lookup(cfg, "client.headers.Content-Type") == "application/json"
    assert evaluate({"present": "client.headers.CONTENT-TYPE"}, cfg) is True
    assert evaluate({"absent": "client.headers.Authorization"}, cfg) is True
    # only header maps: other settings keep their case
    assert lookup(cfg, "client.other.Content-Type", default=None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://api.example/v2", True),
        ("HTTPS://API.EXAMPLE/v2", True),
        ("https://api.example:443/v2", True),
        ("https://api.example/%76%32", True),  # unreserved characters percent-encoded
        ("https://api.example/V2", False),  # paths keep their case
        ("https://api.example:8443/v2", False),
        ("http://api.example/v2", False),
        ("https://api.example/v2/", False),
        ("https://api.example/v1", False),
        ("not a url", False),
    ],
)
def test_urls_compare_after_rfc3986_normalisation(value, expected):
    rule = {"eq": ["client.url", {"ref": "gw.url"}, "url"]}
    assert holds(rule, _cfg(url=value)) is expected


@pytest.mark.parametrize("padding", [0, 600])  # short values are memoised, long ones are not
def test_a_url_compares_the_same_the_first_time_and_again(padding):
    path = "/v2" + "/x" * padding
    rule = {"eq": ["client.url", {"ref": "gw.url"}, "url"]}
    same = {
        "client": {"url": "HTTPS://API.Example:443" + path},
        "gw": {"url": "https://api.example" + path},
    }
    other = {
        "client": {"url": "https://api.example/V2"},
        "gw": {"url": "https://api.example" + path},
    }
    assert [holds(rule, c) for c in (same, other, same, other)] == [True, False, True, False]


def test_normalise_url_by_hand():
    assert normalise_url("HTTP://Svc.Internal:80") == "http://svc.internal/"
    assert (
        normalise_url("http://svc.internal:8080/a%2fb?Q=%7e")
        == "http://svc.internal:8080/a%2Fb?Q=~"
    )
    assert normalise_url("https://user@Host.example:443/x") == "https://user@host.example/x"
    assert normalise_url("https://host:99999/x") == "https://host:99999/x"  # bad port: unchanged


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("origin.shop.example", True),
        ("Origin.Shop.Example.", True),
        ("origin-old.shop.example", False),
    ],
)
def test_hosts_compare_without_case(value, expected):
    rule = {"eq": ["client.host", {"ref": "gw.host"}, "host"]}
    assert holds(rule, _cfg(host=value)) is expected


def test_retry_after_is_seconds_or_an_http_date():
    now = dt.datetime(2026, 3, 14, 9, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Sat, 14 Mar 2026 09:02:00 GMT", now) == 120.0
    assert retry_after_seconds("Sat, 14 Mar 2026 09:02:00 GMT") is None  # no clock
    for bad in ("-1", "1.5", "soon", "", True, -3, None):
        assert retry_after_seconds(bad, now) is None, bad
    rule = {"ge": ["client.retry_after", 5, "retry_after"]}
    assert holds(rule, _cfg(retry_after="120")) is True
    assert holds(rule, _cfg(retry_after="2")) is False
    same = {"eq": ["client.retry_after", "Sat, 14 Mar 2026 09:02:00 GMT", "retry_after"]}
    assert holds(same, _cfg(retry_after="Sat, 14 Mar 2026 09:02:00 GMT")) is True
    assert holds(same, _cfg(retry_after="soon")) is False


def test_unknown_kind_is_a_rule_error():
    with pytest.raises(RuleError, match="unknown comparison kind 'mime'"):
        evaluate({"eq": ["client.ct", "x", "mime"]}, _cfg(ct="x"))
    with pytest.raises(RuleError, match=r"\[path, value\] or \[path, value, kind\]"):
        evaluate({"eq": ["client.ct"]}, _cfg(ct="x"))


def test_a_kind_is_read_by_rule_paths_and_literal_values():
    rule = {"in": ["client.ct", ["application/json"], "media_type"]}
    assert list(rule_paths(rule)) == ["client.ct"]
    assert list(literal_values(rule)) == [["application/json"]]


DEADLINE = {
    "deadline": {
        "timeout": "client.timeout_s",
        "retries": "client.retries",
        "backoff": "client.backoff_s",
        "multiplier": "client.multiplier",
        "within": {"ref": "gw.deadline_ms", "factor": 0.001},
    }
}


@pytest.mark.parametrize(
    ("timeout", "retries", "backoff", "multiplier", "expected"),
    [
        (15, 2, 1, 2, True),  # 45 s of attempts + 1 s + 2 s = 48 s <= 60 s
        (19, 2, 1, 2, True),  # 57 + 3 = 60 s: exactly the deadline
        (19, 2, 1.5, 2, False),  # 57 + 4.5 = 61.5 s
        (20, 2, 0, 1, True),  # 60 s
        (86400, 2, 1, 2, False),
        (0, 2, 1, 2, False),
        (-5, 2, 1, 2, False),
        (10, 1000, 0.001, 2, False),  # a retry storm never fits
        (10, 2.5, 1, 2, False),  # retries are whole
        (10, -1, 1, 2, False),
        (10, 2, -1, 2, False),
        (10, 2, 1, 0.5, False),
        ("10", 2, 1, 2, False),
        (1, 10**9, 1, 2, False),  # overflow is infinitely long, not an error
    ],
)
def test_deadline_counts_every_attempt_and_wait(timeout, retries, backoff, multiplier, expected):
    cfg = _cfg(timeout_s=timeout, retries=retries, backoff_s=backoff, multiplier=multiplier)
    assert holds(DEADLINE, cfg) is expected


def test_deadline_worst_case_by_hand():
    assert worst_case_s(10, 3, 1, 2) == 47.0  # 40 + 1 + 2 + 4
    assert worst_case_s(2, 3, 0.5, 1) == 9.5  # 8 + 3 x 0.5


def test_deadline_paths_and_errors():
    assert list(rule_paths(DEADLINE)) == [
        "client.timeout_s",
        "client.retries",
        "client.backoff_s",
        "client.multiplier",
        "gw.deadline_ms",
    ]
    assert list(literal_values({"deadline": {"timeout": "client.t", "within": 30}})) == [30]
    with pytest.raises(RuleError, match="'deadline' needs"):
        evaluate({"deadline": {"timeout": "client.t"}}, _cfg(t=1))
    with pytest.raises(RuleError, match="unknown key"):
        evaluate({"deadline": {"timeout": "client.t", "within": 3, "jitter": 1}}, _cfg(t=1))
    with pytest.raises(RuleError, match="paths or numbers"):
        evaluate({"deadline": {"timeout": ["client.t"], "within": 3}}, _cfg(t=1))


def test_subset_needs_a_non_empty_list_of_allowed_items():
    rule = {"subset": ["client.on", [429, 503]]}
    assert holds(rule, _cfg(on=[429])) is True
    assert holds(rule, _cfg(on=[])) is False
    assert holds(rule, _cfg(on=[429, 0])) is False
    assert holds(rule, _cfg(on=429)) is False
    headers = {"subset": ["client.on", ["Host", "X-Currency"], "header_name"]}
    assert holds(headers, _cfg(on=["host", "x-currency"])) is True
