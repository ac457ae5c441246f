"""The request pipeline: the stages every call passes, and how each one fails.

A call (one hop, caller -> callee) passes the stages of :data:`STAGES` in
order and stops at the first that fails. A broken contract is attached to one
stage of one hop and names a *failure kind* from :data:`FAILURES`: the kind,
not the scenario, decides the HTTP status, the headers, who is to blame and
what the caller and the callee write in their logs. A scenario may specialise
the text (``detail``) but never the status.

>>> FAILURES["missing_credentials"].status, FAILURES["missing_credentials"].stage
(401, 'authenticate')
>>> stage_of("timeout")
'process'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apidebug_nb.scenarios.parse import FAILURE_KINDS

STAGES = (
    "send",  # caller: breaker, client-side limits
    "connect",  # address, DNS, TLS trust
    "route",  # callee: base URL, path, method, API version
    "authenticate",  # callee: credentials, expiry, audience, scope
    "admit",  # callee: rate limit, load shedding
    "negotiate",  # callee: media type, content encoding, body
    "process",  # callee: its own downstream calls, then the caller's timeout
    "effect",  # callee: application semantics (duplicates, ordering)
    "consume",  # caller: parsing the answer, the retry decision
)
STAGE_INDEX = {name: n for n, name in enumerate(STAGES)}

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    410: "Gone",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Who a failed hop counts against in health: a 4xx means the caller sent a bad
# request; a 5xx, a timeout or a connect error means the callee did not answer well.
CALLER, CALLEE = "caller", "callee"


@dataclass(frozen=True)
class Failure:
    """How one kind of broken contract shows on the wire and in the logs.

    Attributes:
        kind: the name scenarios use.
        stage: the pipeline stage it belongs to.
        status: the HTTP status the caller receives; ``None`` when no answer
            arrives (client timeout, connect error).
        headers: header name -> template; ``{callee}``, ``{caller}`` and
            ``{callee_config_key}`` placeholders are filled from the callee.
        error: the caller's error text when there is no status.
        caller_text: the event the caller logs (after ``METHOD PATH``).
        callee_text: the event the callee logs, ``""`` when the request never
            reached it.
        blame: :data:`CALLER` or :data:`CALLEE`, for health.
        wrong_outcome: the answer looks fine (2xx) but the effect is wrong.
        retryable: a client's retry policy may retry it.
        alert: for a wrong outcome, what the alert says happened to the requests.
    """

    kind: str
    stage: str
    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    caller_text: str = ""
    callee_text: str = ""
    blame: str = CALLER
    wrong_outcome: bool = False
    retryable: bool = False
    alert: str = ""

    @property
    def caller_side(self) -> bool:
        """The caller notices it itself: a send, connect or consume stage failure."""
        return self.stage in ("send", "connect", "consume")

    @property
    def level(self) -> str:
        return "WARN" if self.wrong_outcome else "ERROR"


def _f(kind: str, stage: str, status: int | None, **kw: Any) -> Failure:
    return Failure(kind, stage, status, **kw)


_BEARER = 'Bearer realm="{callee}"'
# Within one stage, contracts are checked in this order (an invalid key is
# refused before its expiry is ever looked at).
FAILURES: dict[str, Failure] = {
    f.kind: f
    for f in (
        _f(
            "pile_up",
            "send",
            None,
            error="not sent: calls to {callee} pile up with no circuit breaker to shed them",
            blame=CALLER,
        ),
        _f(
            "connect_refused",
            "connect",
            None,
            error="connect: connection refused",
            blame=CALLEE,
            retryable=True,
        ),
        _f("not_found", "route", 404, callee_text="no route for {method} {path}"),
        _f(
            "method_not_allowed",
            "route",
            405,
            headers={"Allow": "{allowed_methods}"},
            callee_text="{method} not allowed on {path}",
        ),
        _f("gone", "route", 410, callee_text="{path}: this API version has been retired"),
        _f(
            "missing_credentials",
            "authenticate",
            401,
            headers={"WWW-Authenticate": _BEARER},
            callee_text="request carried no credentials",
        ),
        _f(
            "invalid_token",
            "authenticate",
            401,
            headers={"WWW-Authenticate": _BEARER + ', error="invalid_token"'},
            callee_text="token rejected: signing key is not one the issuer accepts",
        ),
        _f(
            "invalid_signature",
            "authenticate",
            401,
            headers={"WWW-Authenticate": 'Signature realm="{callee}", error="invalid_signature"'},
            callee_text="signature verification failed",
        ),
        _f(
            "expired_token",
            "authenticate",
            401,
            headers={
                "WWW-Authenticate": _BEARER
                + ', error="invalid_token", error_description="token expired"'
            },
            callee_text="token expired",
        ),
        _f(
            "insufficient_scope",
            "authenticate",
            403,
            headers={"WWW-Authenticate": _BEARER + ', error="insufficient_scope"'},
            callee_text="token lacks the scope this call needs",
        ),
        _f(
            "rate_limited",
            "admit",
            429,
            headers={"Retry-After": "1"},
            callee_text="rate limit exceeded",
            retryable=True,
        ),
        _f(
            "retry_burst",
            "admit",
            429,
            headers={"Retry-After": "2"},
            callee_text="retry burst: attempts arrive with no backoff",
            retryable=True,
        ),
        _f(
            "overloaded",
            "admit",
            503,
            headers={"Retry-After": "{retry_after_s}"},
            callee_text="shedding load",
            blame=CALLEE,
            retryable=True,
        ),
        _f(
            "unsupported_media_type",
            "negotiate",
            415,
            headers={"Accept": "{accepted_content_types}"},
            callee_text="body declared as an unsupported media type",
        ),
        _f(
            "unsupported_encoding",
            "negotiate",
            415,
            headers={"Accept-Encoding": "{accepted_encodings}"},
            callee_text="cannot decode the body's content encoding",
        ),
        _f("bad_body", "negotiate", 400, callee_text="body could not be parsed"),
        _f(
            "timeout",
            "process",
            None,
            error="timed out after {timeout}s",
            callee_text="finished after the caller had gone (client_gone)",
            blame=CALLEE,
            retryable=True,
        ),
        _f(
            "duplicate",
            "effect",
            201,
            callee_text="duplicate: the same request was applied twice (no idempotency key)",
            blame=CALLEE,
            wrong_outcome=True,
            alert="applied twice",
        ),
        _f(
            "dropped",
            "consume",
            None,
            error="gave up after {status} from {callee}: not retried",
            blame=CALLER,
        ),
        # Kinds of the later incidents (DNS, TLS, schema drift, clock skew, pagination).
        _f(
            "dns_stale",
            "send",
            None,
            error="connect: i/o timeout to an address cached past its DNS TTL",
            blame=CALLER,
        ),
        _f(
            "stale_connection",
            "send",
            None,
            error="connect: i/o timeout on a pooled connection to a retired address",
            blame=CALLER,
        ),
        _f(
            "tls_protocol",
            "connect",
            None,
            error="connect: tls: protocol version not supported",
            blame=CALLEE,
        ),
        _f(
            "tls_untrusted",
            "connect",
            None,
            error="connect: x509: certificate signed by unknown authority",
            blame=CALLEE,
        ),
        _f(
            "tls_hostname",
            "connect",
            None,
            error="connect: x509: certificate is not valid for the host name",
            blame=CALLEE,
        ),
        _f(
            "stale_signature",
            "authenticate",
            401,
            headers={
                "WWW-Authenticate": 'Signature realm="{callee}", error="invalid_signature", '
                'error_description="timestamp outside tolerance"'
            },
            callee_text="signature timestamp outside the tolerance window",
        ),
        _f(
            "unknown_enum",
            "negotiate",
            500,
            callee_text="could not deserialise the body: unknown enum value",
            blame=CALLEE,
        ),
        _f(
            "pagination_drift",
            "consume",
            200,
            error="",
            blame=CALLER,
            wrong_outcome=True,
            alert="reconciled with wrong counts",
        ),
    )
}
KIND_ORDER = {kind: n for n, kind in enumerate(FAILURES)}
# Scenario files name these kinds; the parser lists them so it needs no model import.
assert tuple(FAILURES) == FAILURE_KINDS, "parse.FAILURE_KINDS must list FAILURES in order"


def stage_of(kind: str) -> str:
    """The stage a failure kind belongs to (KeyError for an unknown kind)."""
    return FAILURES[kind].stage


def reason(status: int | None) -> str:
    """``"401 Unauthorized"``; ``"no answer"`` for ``None``.

    >>> reason(429), reason(None)
    ('429 Too Many Requests', 'no answer')
    """
    if status is None:
        return "no answer"
    return f"{status} {REASONS.get(status, '')}".rstrip()


def relayed_status(
    upstream: int | None, wrong_outcome: bool, relays: bool, connect: bool = False
) -> int:
    """What a service answers its own caller when a downstream call failed.

    A gateway relays its upstream's status; an application service answers
    502 for an upstream error or a failed connection, 504 for an upstream timeout.

    >>> relayed_status(401, False, relays=True), relayed_status(401, False, relays=False)
    (401, 502)
    >>> relayed_status(None, False, relays=False), relayed_status(None, False, relays=True)
    (504, 504)
    >>> relayed_status(None, False, relays=False, connect=True)
    502
    """
    if upstream is None:
        return 502 if connect else 504
    return upstream if relays else 502


def no_connection(kind: str | None) -> bool:
    """No connection to the callee could be made (DNS, TCP or TLS): its error says ``connect:``.

    >>> no_connection("tls_untrusted"), no_connection("timeout"), no_connection("pile_up")
    (True, False, False)
    """
    f = FAILURES.get(kind) if kind is not None else None
    return f is not None and f.error.startswith("connect:")


def render_headers(failure: Failure, values: Mapping[str, Any]) -> dict[str, str]:
    """The failure's headers with ``{name}`` filled from ``values`` (lists joined)."""
    return {name: fill_simple(text, values) for name, text in failure.headers.items()}


def fill_simple(text: str, values: Mapping[str, Any]) -> str:
    """Replace ``{name}`` with ``values[name]`` (lists joined by ", "); unknown names stay.

    >>> fill_simple("{a} and {b}", {"a": [1, 2]})
    '1, 2 and {b}'
    """
    if "{" not in text:
        return text
    out = text
    for name, value in values.items():
        key = "{" + name + "}"
        if key in out:
            shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            out = out.replace(key, shown)
    return out
