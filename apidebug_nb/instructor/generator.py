"""Random scenarios for endless practice and for scale tests.

``generate_scenario(n_services, n_issues, seed)`` builds a layered call graph
(callers on the left, external providers on the right), gives every call edge
a healthy client block in the caller's config (``upstreams.<callee>``) and a
contract in the callee's config, sends one flow of requests from each
top-layer service along its call tree, then breaks ``n_issues`` contracts
drawn from :data:`TEMPLATES`, each attached to its call (the hop) and a
failure kind of the pipeline.

The templates follow the same contract model as the built-in tasks
(DESIGN section 1): numbers are bounded on both sides (a timeout covers the
provider's worst case plus a fifth *and*, with its retries and backoffs, fits
the caller's own ``deadline_s``; a send rate is in (0, limit]; retries stay
within the provider's ``retry_contract`` and back off exponentially with
jitter; a breaker opens after 2 to ``breaker_max_failures`` failures); media
types, content codings and header names compare as HTTP compares them and
URLs after normalisation; a provider publishes key ids, issuer and audience
and ``retired_base_urls``, never a token or secret to copy, so a fix is the
client's own key reference. Each issue's fix sets only its own keys of one
edge's client block, so reference fixes never conflict; the timeout and
retry contracts both read the call's timeout and retry policy, because
together they must fit the caller's ``deadline_s``. About a third are
put on the same call as an earlier problem that fails every request at an
earlier stage, so they start masked; all masks are computed from the
pipeline, none is declared. The result is the same for the same arguments
in every process.

>>> sc = generate_scenario(6, 4, seed=1)
>>> sc.id, len(sc.services), len(sc.issues)
('generated-6x4-1', 6, 4)
>>> from apidebug_nb import validate_scenario
>>> validate_scenario(sc) is sc
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apidebug_nb.model.pipeline import STAGE_INDEX, stage_of
from apidebug_nb.model.rules import worst_case_s
from apidebug_nb.model.simulation import with_masks
from apidebug_nb.scenarios.builder import ceil_to, hex_id, make_issue
from apidebug_nb.scenarios.records import (
    Fault,
    Flow,
    Hop,
    Issue,
    LogLine,
    Scenario,
    Service,
    freeze,
)

LAYER_ROLES = ("edge", "api", "service", "worker", "store", "vendor")
DEPENDENCY_SHARE = 0.35  # share of issues put behind an earlier issue of the same call


@dataclass(frozen=True)
class Edge:
    """One call edge and the contract values drawn for it."""

    caller: str
    callee: str
    provider: Mapping[str, Any]  # the callee's contract config

    @property
    def key(self) -> tuple[str, str]:
        return (self.caller, self.callee)

    def path(self, key: str) -> str:
        return f"{self.caller}.upstreams.{self.callee}.{key}"

    def ref(self, key: str, **extra: Any) -> dict[str, Any]:
        return {"ref": f"{self.callee}.{key}", **extra}


@dataclass(frozen=True)
class ContractTemplate:
    """A kind of broken contract between a caller and its callee.

    ``healthy`` and ``broken`` give the client-block values (only the keys this
    template owns); ``check`` the rule (it may also read other keys of the
    same block and the caller's ``deadline_s``); ``failure`` the pipeline's failure kind
    (which fixes stage, status and headers) and ``share`` which requests fail
    while it is broken (``None``: all); ``fault`` a transient failure kind of the
    callee that the contract is about (a retry policy is only tested by
    failures it could retry); the rest are the words an engineer sees, with
    ``{caller}``/``{callee}`` filled in and ``{{service.key}}`` placeholders
    left for the log renderer.
    """

    name: str
    title: str
    category: str
    severity: str
    failure: str
    healthy: Callable[[Edge], dict[str, Any]]
    broken: Callable[[Edge], dict[str, Any]]
    check: Callable[[Edge], dict[str, Any]]
    detail: str
    setting: str
    contract: str
    nudge: str
    explanation: str
    share: Callable[[Edge], dict[str, Any] | None] = lambda e: None
    fault: str | None = None


def _tpl(name: str, **kw: Any) -> ContractTemplate:
    return ContractTemplate(name=name, **kw)


# A timeout covers the provider's worst case plus a fifth (ms -> s: 0.001 x 1.2).
TIMEOUT_FACTOR = 0.0012
# A caller's deadline_s leaves this much room above its slowest healthy call with retries.
DEADLINE_ROOM = 1.2
JITTERS = ("full", "equal", "decorrelated")


def _deadline(e: Edge) -> dict[str, Any]:
    """Every attempt of a call and the waits between them fit the caller's deadline_s."""
    return {
        "deadline": {
            "timeout": e.path("timeout_s"),
            "retries": e.path("retry.max_retries"),
            "backoff": e.path("retry.backoff_s"),
            "multiplier": e.path("retry.multiplier"),
            "within": {"ref": f"{e.caller}.deadline_s"},
        }
    }


def _signing(e: Edge, key_id: str) -> dict[str, Any]:
    """A client's signing block: the provider's algorithm and header, its own key reference."""
    signing = e.provider["signing"]
    return {"algorithm": signing["algorithm"], "header": signing["header"], "key_id": key_id}


TEMPLATES: tuple[ContractTemplate, ...] = (
    _tpl(
        "auth",
        title="Tokens signed with a retired key",
        category="authentication",
        severity="critical",
        failure="invalid_token",
        healthy=lambda e: {
            "auth": {
                "key_id": e.provider["auth"]["accepted_key_ids"][0],
                "audience": e.provider["auth"]["audience"],
            }
        },
        broken=lambda e: {
            "auth": {
                "key_id": e.provider["auth"]["retired_key_ids"][0],
                "audience": e.provider["auth"]["audience"],
            }
        },
        check=lambda e: {
            "all": [
                {"in": [e.path("auth.key_id"), e.ref("auth.accepted_key_ids")]},
                {"eq": [e.path("auth.audience"), e.ref("auth.audience")]},
            ]
        },
        detail="token rejected: signed with key {{{caller}.upstreams.{callee}.auth.key_id}}, "
        "which {callee} no longer accepts",
        setting="auth",
        contract="The key id must be one {callee} lists in auth.accepted_key_ids (not a retired "
        "one), and the audience must be {callee}'s auth.audience.",
        nudge="{callee} refuses {caller}'s tokens. Compare the key they are signed with and "
        "what they are for with what {callee} accepts.",
        explanation="{caller} got its tokens for {callee} with a key {callee} has retired, so "
        'every call was refused: 401 with error="invalid_token". The fix is {caller}\'s own key '
        "reference, a key id {callee} accepts, for the audience {callee} names; a provider "
        "publishes key ids, issuer and audience, never a token to paste. Next time: on "
        "a 401, read the WWW-Authenticate error, compare key id, issuer and audience with what "
        "the provider accepts, and track key rotation.",
    ),
    _tpl(
        "content_type",
        title="Wrong Content-Type",
        category="protocol",
        severity="error",
        failure="unsupported_media_type",
        healthy=lambda e: {"content_type": e.provider["accepted_content_types"][0]},
        broken=lambda e: {"content_type": "text/plain"},
        check=lambda e: {
            "in": [e.path("content_type"), e.ref("accepted_content_types"), "media_type"]
        },
        detail="body from {caller} declared as {{{caller}.upstreams.{callee}.content_type}} "
        "could not be parsed",
        setting="content_type",
        contract="The Content-Type's media type must be one of {callee}'s "
        "accepted_content_types (compared without case; a charset parameter may follow).",
        nudge="{callee} cannot parse what {caller} sends. Look at how the body is labelled.",
        explanation="{caller} labelled its body with a media type {callee} does not parse, so "
        "it answered 415 Unsupported Media Type and listed what it parses in its Accept header. "
        "Media types compare without case, and parameters such as a charset are allowed. Next "
        "time: on a 415, compare the request's Content-Type with the answer's Accept header.",
    ),
    _tpl(
        "timeout",
        title="Timeout below the provider's processing time",
        category="networking",
        severity="error",
        failure="timeout",
        healthy=lambda e: {"timeout_s": ceil_to(e.provider["max_processing_ms"] / 1000 + 3, 5)},
        broken=lambda e: {"timeout_s": max(1, e.provider["max_processing_ms"] // 4000)},
        check=lambda e: {
            "all": [
                {"ge": [e.path("timeout_s"), e.ref("max_processing_ms", factor=TIMEOUT_FACTOR)]},
                _deadline(e),
            ]
        },
        share=lambda e: {
            "slow": [
                e.path("timeout_s"),
                f"{e.callee}.p50_processing_ms",
                f"{e.callee}.max_processing_ms",
            ]
        },
        detail="finished after {caller} had given up at {{{caller}.upstreams.{callee}.timeout_s}}s "
        "(client_gone)",
        setting="timeout_s",
        contract="The timeout (seconds) must be at least {callee}'s max_processing_ms, converted "
        "to seconds, plus a fifth; and timeout × (retries + 1) plus the backoffs must fit "
        "{caller}'s deadline_s.",
        nudge="{caller} gives up on {callee} although {callee} finishes the work. Compare "
        "how long each side waits.",
        explanation="{caller} stopped waiting before {callee} could answer, so slow requests "
        "failed although {callee} finished them (client_gone). A timeout has two sides: at "
        "least the provider's documented worst case plus a margin (here a fifth), and short "
        "enough that every attempt and the waits between them, timeout × (retries + 1) + the "
        "backoffs, fit {caller}'s own deadline_s; a huge timeout only moves the failure to "
        "whoever waits for {caller}. Next time: set timeouts from the provider's worst case, "
        "with a margin, mind units, and check the budget of the caller above you.",
    ),
    _tpl(
        "url_version",
        title="Retired API version",
        category="configuration",
        severity="critical",
        failure="gone",
        healthy=lambda e: {"base_url": e.provider["base_url"]},
        broken=lambda e: {"base_url": e.provider["retired_base_urls"][0]},
        check=lambda e: {"eq": [e.path("base_url"), e.ref("base_url"), "url"]},
        detail="{{{caller}.upstreams.{callee}.base_url}}: this API version has been retired",
        setting="base_url",
        contract="The base URL must be {callee}'s current base_url, not a retired one.",
        nudge="{callee} says the address {caller} calls no longer exists.",
        explanation="{caller} still called an API version {callee} has retired; 410 Gone "
        "means it will not come back. A deprecated version would still answer, with "
        "Deprecation and Sunset headers and a warning in the logs; a retired one answers "
        "nothing but 410. Next time: act on Deprecation and Sunset headers before the sunset "
        "date, and keep base URLs in one place.",
    ),
    _tpl(
        "rate_limit",
        title="Send rate above the provider's limit",
        category="resilience",
        severity="error",
        failure="rate_limited",
        healthy=lambda e: {"send_rate_per_s": e.provider["rate_limit_per_s"]},
        broken=lambda e: {"send_rate_per_s": e.provider["rate_limit_per_s"] * 3},
        check=lambda e: {
            "all": [
                {"gt": [e.path("send_rate_per_s"), 0]},
                {"le": [e.path("send_rate_per_s"), e.ref("rate_limit_per_s")]},
            ]
        },
        share=lambda e: {"excess": [e.path("send_rate_per_s"), f"{e.callee}.rate_limit_per_s"]},
        detail="throttling {caller}: {{{caller}.upstreams.{callee}.send_rate_per_s}} req/s offered",
        setting="send_rate_per_s",
        contract="The send rate must be above zero and not exceed {callee}'s rate_limit_per_s.",
        nudge="{callee} is pushing back on {caller}. Compare how fast one sends with how "
        "fast the other accepts.",
        explanation="{caller} sent faster than {callee}'s published limit, so {callee} "
        "throttled the excess with 429 Too Many Requests and a Retry-After. A send rate has "
        "two sides: above zero (a rate of 0 delivers nothing) and at most the limit. Next "
        "time: configure producers below the consumer's published limits.",
    ),
    _tpl(
        "retry",
        title="Retry policy ignores 429 and has no backoff",
        category="resilience",
        severity="warning",
        failure="dropped",
        fault="rate_limited",
        healthy=lambda e: {
            "retry": {
                "max_retries": e.provider["retry_contract"]["min_retries"] + 1,
                "backoff_s": 0.5,
                "multiplier": 2,
                "jitter": "full",
                "honour_retry_after": True,
                "retry_on": [429, 503],
            }
        },
        broken=lambda e: {
            "retry": {
                "max_retries": 0,
                "backoff_s": 0,
                "multiplier": 1,
                "jitter": "none",
                "honour_retry_after": False,
                "retry_on": [503],
            }
        },
        check=lambda e: {
            "all": [
                {"ge": [e.path("retry.max_retries"), e.ref("retry_contract.min_retries")]},
                {"le": [e.path("retry.max_retries"), e.ref("retry_contract.max_retries")]},
                {"ge": [e.path("retry.backoff_s"), 0.2]},
                {"le": [e.path("retry.backoff_s"), 30]},
                {"ge": [e.path("retry.multiplier"), 1.5]},
                {"le": [e.path("retry.multiplier"), 4]},
                {"in": [e.path("retry.jitter"), list(JITTERS)]},
                {
                    "any": [
                        {"eq": [f"{e.callee}.retry_contract.retry_after_429", False]},
                        {"eq": [e.path("retry.honour_retry_after"), True]},
                    ]
                },
                {"subset": [e.path("retry.retry_on"), e.ref("retry_contract.retryable_statuses")]},
                {"contains": [e.path("retry.retry_on"), 429]},
                _deadline(e),
            ]
        },
        detail="gave up on {callee} after one throttled answer: not retried",
        setting="retry",
        contract="Retries must follow {callee}'s retry_contract (how many, which statuses, "
        "Retry-After) and cover the rate-limit status; the waits must grow exponentially with "
        "jitter (a first wait of a fifth of a second to half a minute, a multiplier of one and "
        "a half to four), and all attempts must fit {caller}'s deadline_s.",
        nudge="Some of {caller}'s requests never arrive at {callee}. Look at what {caller} "
        "does after a failed call.",
        explanation="{caller} never retried throttled calls, so bursts were lost. {callee}'s "
        "retry_contract asks for retries on 429, between min_retries and max_retries of them, "
        "and for its Retry-After to be honoured. The waits must grow exponentially with jitter, "
        "so that retries from many callers spread out instead of arriving together (a thousand "
        "retries a millisecond apart are a retry storm, not a policy), and every attempt with "
        "its waits must fit {caller}'s deadline_s. Next time: treat 429 and 503 as retryable, "
        "honour Retry-After, back off exponentially with jitter and bound the attempts.",
    ),
    _tpl(
        "signature",
        title="Request signature does not verify",
        category="authentication",
        severity="error",
        failure="invalid_signature",
        healthy=lambda e: {"signing": _signing(e, e.provider["signing"]["accepted_key_ids"][0])},
        broken=lambda e: {"signing": _signing(e, "")},
        check=lambda e: {
            "all": [
                {"eq": [e.path("signing.algorithm"), e.ref("signing.algorithm")]},
                {"eq": [e.path("signing.header"), e.ref("signing.header"), "header_name"]},
                {"in": [e.path("signing.key_id"), e.ref("signing.accepted_key_ids")]},
            ]
        },
        detail="rejected request from {caller}: its signature does not verify with any key "
        "{callee} accepts",
        setting="signing",
        contract="{caller} must sign with {callee}'s signing algorithm and header, using a key "
        "id {callee} lists in signing.accepted_key_ids.",
        nudge="{callee} cannot verify that requests really come from {caller}.",
        explanation="{caller}'s signing key reference was empty, so it signed with no key and "
        '{callee} could verify no request: 401 with error="invalid_signature". The secret '
        "itself lives in each side's secret store; {callee} publishes only which key ids it "
        "accepts, and {caller} names the key it signs with; a secret is never copied out of "
        "another team's config. Next time: on a "
        "signature error, compare algorithm, header and key id on both sides, and rotate keys "
        "by id.",
    ),
    _tpl(
        "encoding",
        title="Body encoding the provider cannot decode",
        category="protocol",
        severity="warning",
        failure="unsupported_encoding",
        healthy=lambda e: {"encoding": e.provider["accepted_encodings"][0]},
        broken=lambda e: {"encoding": "br"},
        check=lambda e: {"in": [e.path("encoding"), e.ref("accepted_encodings"), "coding"]},
        detail="cannot decode body from {caller}: Content-Encoding "
        "{{{caller}.upstreams.{callee}.encoding}}",
        setting="encoding",
        contract="The content coding must be one of {callee}'s accepted_encodings (compared "
        "without case).",
        nudge="{callee} receives {caller}'s bodies but cannot read them.",
        explanation="{caller} compressed bodies with a coding {callee} cannot decode, so it "
        "answered 415 Unsupported Media Type with an Accept-Encoding header listing what it "
        "can decode. Next time: on a 415, read Accept-Encoding; negotiate compression, never "
        "assume it.",
    ),
    _tpl(
        "circuit_breaker",
        title="No circuit breaker",
        category="resilience",
        severity="warning",
        failure="pile_up",
        share=lambda e: {"fixed": 0.05},
        healthy=lambda e: {
            "breaker": {"enabled": True, "failure_threshold": 5, "reset_timeout_s": 30}
        },
        broken=lambda e: {
            "breaker": {"enabled": False, "failure_threshold": 0, "reset_timeout_s": 30}
        },
        check=lambda e: {
            "all": [
                {"eq": [e.path("breaker.enabled"), True]},
                {"ge": [e.path("breaker.failure_threshold"), 2]},
                {"le": [e.path("breaker.failure_threshold"), e.ref("breaker_max_failures")]},
                {"ge": [e.path("breaker.reset_timeout_s"), 1]},
                {"le": [e.path("breaker.reset_timeout_s"), 300]},
            ]
        },
        detail="not sent: thread pool exhausted waiting on {callee}, no circuit breaker to "
        "shed the calls",
        setting="breaker",
        contract="A breaker must be enabled, opening after at least two consecutive failures "
        "and at most {callee}'s breaker_max_failures, with a reset time of one second to five "
        "minutes.",
        nudge="{caller} keeps calling {callee} while {callee} struggles, and drowns with it.",
        explanation="Without a circuit breaker {caller} kept sending to a struggling {callee} "
        "and exhausted its own threads. A breaker must be enabled with a threshold in a sane "
        "range (one failure is noise, a billion means never; {callee} asks for at most "
        "breaker_max_failures) and a reset time of a second to five minutes. Next time: fail "
        "fast when a dependency is down.",
    ),
    _tpl(
        "idempotency",
        title="No idempotency key on retried writes",
        category="protocol",
        severity="error",
        failure="duplicate",
        share=lambda e: {"fixed": 0.05},
        healthy=lambda e: {"idempotency_header": e.provider["idempotency_header"]},
        broken=lambda e: {"idempotency_header": None},
        check=lambda e: {
            "eq": [e.path("idempotency_header"), e.ref("idempotency_header"), "header_name"]
        },
        detail="duplicate write from {caller}: the same request was applied twice, it carried "
        "no idempotency key",
        setting="idempotency_header",
        contract="Writes must carry the idempotency header {callee} deduplicates on (header "
        "names compare without case).",
        nudge="{callee} sees the same write from {caller} twice.",
        explanation="{caller} retried writes without an idempotency key, so {callee} could not "
        "tell a retry from a new request and applied some twice: the second attempt got a "
        "silent 201, not an error (without a key the server cannot detect the duplicate). "
        "Next time: never retry a write without the provider's idempotency header, and look "
        "for duplicates in the callee's log.",
    ),
)
TEMPLATE_NAMES = tuple(t.name for t in TEMPLATES)
TEMPLATE_BY_NAME = {t.name: t for t in TEMPLATES}
# A retry problem needs a provider that throttles now and then (a fault at the admit
# stage); requests a retry recovers are not checked again at the negotiate stage, so
# one call never carries both a retry problem and a body (negotiate) problem.
_APART = ("retry", frozenset({"content_type", "encoding"}))
PER_EDGE = len(TEMPLATES) - len(_APART[1])  # templates one call can always hold


def _clash(name: str, on_edge: set[str]) -> bool:
    retry, body = _APART
    return (name == retry and bool(on_edge & body)) or (name in body and retry in on_edge)


def _check_args(n_services: Any, n_issues: Any, seed: Any) -> None:
    for name, value, least in (("n_services", n_services, 2), ("n_issues", n_issues, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _layers(rng: random.Random, n: int) -> list[list[str]]:
    depth = max(2, min(len(LAYER_ROLES), round(math.log2(n)) if n > 2 else 2))
    sizes = [n // depth] * depth
    for k in range(n - sum(sizes)):
        sizes[depth - 1 - k] += 1  # wider towards the providers
    layers, start = [], 0
    for k, size in enumerate(sizes):
        role = LAYER_ROLES[k] if k < depth - 1 else LAYER_ROLES[-1]
        layers.append([f"{role}_{start + i:03d}" for i in range(size)])
        start += size
    return layers


def _edges(rng: random.Random, layers: list[list[str]]) -> list[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for upper, lower in zip(layers[:-1], layers[1:], strict=True):
        for callee in lower:  # everything below the top is called by someone
            edges.add((rng.choice(upper), callee))
        callers = {a for a, _ in edges}
        for caller in upper:  # everything above the providers calls someone
            if caller not in callers:
                edges.add((caller, rng.choice(lower)))
        for caller in upper:  # a few extra edges make it a graph, not a tree
            if rng.random() < 0.3:
                edges.add((caller, rng.choice(lower)))
    _connect(rng, layers, edges)
    return sorted(edges)


def _connect(rng: random.Random, layers: list[list[str]], edges: set[tuple[str, str]]) -> None:
    """Join the pieces into one system.

    Every service below the top has a caller and every service above the
    providers a callee, so each piece spans every layer: linking a top-layer
    service of the first piece to a second-layer service of each other piece
    connects them all without leaving the layering.
    """
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])  # path halving keeps trees shallow
            x = parent[x]
        return x

    for a, b in sorted(edges):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    main = root(layers[0][0])
    main_top = [s for s in layers[0] if root(s) == main]
    joined: set[str] = set()
    for v in layers[1]:
        r = root(v)
        if r != main and r not in joined:
            joined.add(r)
            edges.add((rng.choice(main_top), v))


SIGNATURE_HEADERS = ("X-Signature", "X-Signature-256", "Webhook-Signature")
RETRYABLE_STATUSES = [408, 429, 500, 502, 503, 504]


def _provider_config(rng: random.Random, extra: random.Random, name: str) -> dict[str, Any]:
    """A callee's contract: what it serves and accepts, never a secret to copy.

    Keys are named by id (``auth.accepted_key_ids``, ``signing.accepted_key_ids``):
    each side keeps its secrets in its own store, and a caller's fix is its own
    key reference. Values drawn from ``extra`` were added after the others, so
    that a seed keeps the system it always had.
    """
    version = rng.randint(2, 5)
    host = f"https://{name}.internal"
    key_id = f"kid-{hex_id(rng, 10)}"
    content_type = rng.choice(["application/json", "application/cbor"])
    worst = rng.choice([4000, 6500, 9000, 12000, 18000])
    rate = rng.choice([10, 20, 40, 80])
    min_retries = rng.choice([3, 4, 5]) - 2
    signing_key_id = f"sig-{hex_id(rng, 10)}"
    encoding = rng.choice(["gzip", "deflate"])
    breaker = rng.choice([5, 8, 10])
    idempotency = rng.choice(["Idempotency-Key", "X-Request-Key"])
    return {
        "base_url": f"{host}/v{version}",
        "retired_base_urls": [f"{host}/v{version - 1}"],
        "auth": {
            "scheme": "Bearer",
            "issuer": "https://auth.internal",
            "audience": host,
            "accepted_key_ids": [key_id],
            "retired_key_ids": [f"kid-{hex_id(extra, 10)}"],
        },
        "accepted_content_types": [content_type],
        "max_processing_ms": worst,
        "p50_processing_ms": worst // 5,
        "rate_limit_per_s": rate,
        "retry_contract": {
            "min_retries": min_retries,
            "max_retries": min_retries + 3,
            "retryable_statuses": list(RETRYABLE_STATUSES),
            "retry_after_429": True,
        },
        "signing": {
            "algorithm": "hmac-sha256",
            "header": extra.choice(SIGNATURE_HEADERS),
            "accepted_key_ids": [signing_key_id],
        },
        "accepted_encodings": [encoding, "identity"],
        "breaker_max_failures": breaker,
        "idempotency_header": idempotency,
    }


def _deadlines(clients: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, int]:
    """Each caller's deadline_s: room above its slowest healthy call, retries and waits included.

    >>> block = {"timeout_s": 10, "retry": {"max_retries": 2, "backoff_s": 0.5, "multiplier": 2}}
    >>> _deadlines({"a": {"b": block}})  # 3 attempts of 10 s, waits of 0.5 s and 1 s
    {'a': 40}
    """
    out = {}
    for caller, blocks in clients.items():
        slowest = max(
            worst_case_s(
                b["timeout_s"],
                b["retry"]["max_retries"],
                b["retry"]["backoff_s"],
                b["retry"]["multiplier"],
            )
            for b in blocks.values()
        )
        out[caller] = ceil_to(DEADLINE_ROOM * slowest, 10)
    return out


def generate_scenario(n_services: int, n_issues: int, seed: int = 0) -> Scenario:
    """A random, valid, solvable scenario (the same one for the same arguments).

    Args:
        n_services: at least 2; laid out in 2 to 6 layers, the last one external.
        n_issues: at least 1 and at most the number of call edges times the
            number of templates (``len(TEMPLATES)``).
        seed: a non-negative integer selecting the variant.

    Returns:
        A scenario whose ``max_steps`` leaves room beyond the reference
        solver's two steps per issue. Every calling service has a
        ``deadline_s`` (room above its slowest healthy call, retries
        included) and one ``upstreams.<callee>`` block per call. Requests enter at each top-layer service
        and follow its call tree (one flow each); which issue masks which is
        computed from the pipeline (:func:`~apidebug_nb.model.simulation.with_masks`).
    """
    _check_args(n_services, n_issues, seed)
    rng = random.Random(f"apidebug_nb:generated:{n_services}:{n_issues}:{seed}")
    layers = _layers(rng, n_services)
    edge_list = _edges(rng, layers)
    capacity = len(edge_list) * PER_EDGE
    if n_issues > capacity:
        raise ValueError(
            f"{n_services} services give {len(edge_list)} call edges, room for at most "
            f"{capacity} issues ({PER_EDGE} contract templates per edge); got {n_issues}"
        )
    extra = random.Random(f"apidebug_nb:generated:{n_services}:{n_issues}:{seed}:contracts")
    providers = {name: _provider_config(rng, extra, name) for layer in layers[1:] for name in layer}
    edges = {(a, b): Edge(a, b, providers[b]) for a, b in edge_list}
    clients: dict[str, dict[str, dict[str, Any]]] = {}
    for e in edges.values():
        block: dict[str, Any] = {}
        for t in TEMPLATES:
            block.update(t.healthy(e))
        clients.setdefault(e.caller, {})[e.callee] = block
    deadlines = _deadlines(clients)  # from the healthy blocks, before any contract breaks

    issues = _draw_issues(rng, n_issues, edges, clients)
    faults = tuple(
        Fault(issue.hop, t.fault, FAULT_SHARE)
        for issue in issues
        if (t := TEMPLATE_BY_NAME[_template_of(issue)]).fault is not None
    )
    external = set(layers[-1])
    services = []
    for k, layer in enumerate(layers):
        for name in layer:
            config: dict[str, Any] = {}
            if name in providers:
                config.update(providers[name])
            if name in clients:
                config["deadline_s"] = deadlines[name]
                config["upstreams"] = clients[name]
            services.append(
                Service(
                    name=name,
                    role=f"{name.rsplit('_', 1)[0]} (layer {k + 1})",
                    config=freeze(config),
                    editable=name not in external,
                    description="external provider" if name in external else "ours",
                )
            )
    base = [
        LogLine(s.name, -600 - (n % 300), "INFO", f"{s.name} started; {_calls(s.config)}")
        for n, s in enumerate(services)
    ]
    scenario = Scenario(
        id=f"generated-{n_services}x{n_issues}-{seed}",
        title=(
            f"Generated incident ({n_services} services, "
            f"{n_issues} problem{'' if n_issues == 1 else 's'})"
        ),
        description=(
            "A randomly generated system of services calling one another. Some "
            "contracts between callers and the services they call are broken."
        ),
        max_steps=3 * n_issues + 10,
        service_records=tuple(services),
        edges=tuple(edge_list),
        issue_records=tuple(issues),
        flows=_flows(rng, layers[0], edge_list),
        faults=faults,
        base_logs=tuple(sorted(base, key=lambda line: (line.offset_s, line.service))),
        incident_start=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(6, 20):02d}:{rng.randrange(0, 60, 5):02d}:00",
    )
    return with_masks(scenario)


FAULT_SHARE = 0.1  # the share of calls a provider throttles now and then (a retry recovers them)
# Requests per step and flow. Partial failures (a rate limit, a short timeout) on the
# calls of one flow multiply; thousands of requests leave some for every later stage,
# so a problem is hidden only behind one that fails every request (a computed mask).
REQUESTS = (2000, 4000, 6000, 8000)


def _flows(
    rng: random.Random, entries: list[str], edge_list: list[tuple[str, str]]
) -> tuple[Flow, ...]:
    """One flow per top-layer service: a request that follows its call tree.

    Each service's own calls are listed once, in the first flow (in entry
    order) that reaches it; a later request reaching it again is answered
    without them. So every call edge carries requests and a system of *n*
    services has about as many hops as call edges, whatever its shape.
    """
    out_of: dict[str, list[str]] = {}
    for a, b in edge_list:
        out_of.setdefault(a, []).append(b)
    expanded: set[str] = set()
    flows = []
    for entry in entries:
        hops: list[Hop] = []
        expanded.add(entry)
        stack = [(entry, b) for b in reversed(out_of.get(entry, []))]
        while stack:
            a, b = stack.pop()
            hops.append(Hop(a, b, "POST", f"{{{a}.upstreams.{b}.base_url}}/requests"))
            if b not in expanded:
                expanded.add(b)
                stack.extend((b, c) for c in reversed(out_of.get(b, [])))
        flows.append(Flow(f"POST /{entry}/requests", entry, rng.choice(REQUESTS), tuple(hops)))
    return tuple(flows)


def _template_of(issue: Issue) -> str:
    return issue.id.split(".", 1)[0]


def _calls(config: Mapping[str, Any]) -> str:
    ups = config.get("upstreams")
    return f"calls {', '.join(sorted(ups))}" if ups else "serves requests"


def _draw_issues(
    rng: random.Random,
    n_issues: int,
    edges: dict[tuple[str, str], Edge],
    clients: dict[str, dict[str, dict[str, Any]]],
) -> list[Issue]:
    keys = sorted(edges)
    used: set[tuple[str, str, str]] = set()
    on: dict[tuple[str, str], set[str]] = {k: set() for k in keys}
    issues: list[Issue] = []
    order = list(TEMPLATES)
    rng.shuffle(order)
    for n in range(n_issues):
        t = order[n % len(order)]  # cycle through every template before repeating one
        e = None
        if issues and rng.random() < DEPENDENCY_SHARE:
            # on the same call as an earlier problem that fails every request at an earlier
            # stage: no request reaches this one until that is fixed
            mask = rng.choice(issues)
            mask_t = TEMPLATE_BY_NAME[_template_of(mask)]
            if mask_t.share(edges[mask.hop]) is None and (
                STAGE_INDEX[stage_of(t.failure)] > STAGE_INDEX[stage_of(mask_t.failure)]
                and (*mask.hop, t.name) not in used
                and not _clash(t.name, on[mask.hop])
            ):
                e = edges[mask.hop]
        if e is None:
            for _ in range(50):
                e = edges[rng.choice(keys)]
                if (e.caller, e.callee, t.name) not in used and not _clash(t.name, on[e.key]):
                    break
            else:  # crowded: the first free edge in a fixed order, this template if possible
                e, t = _first_free(keys, edges, on, t)
        used.add((e.caller, e.callee, t.name))
        on[e.key].add(t.name)
        block = clients[e.caller][e.callee]
        block.update(t.broken(e))
        if block.get("idempotency_header", "") is None:
            del block["idempotency_header"]  # "absent", as a patch would leave it
        issues.append(_make(t, e, f"{t.name}.{e.caller}.{e.callee}"))
    return issues


def _first_free(
    keys: list[tuple[str, str]],
    edges: dict[tuple[str, str], Edge],
    on: dict[tuple[str, str], set[str]],
    wanted: ContractTemplate,
) -> tuple[Edge, ContractTemplate]:
    for t in (wanted, *TEMPLATES):
        for k in keys:
            if t.name not in on[k] and not _clash(t.name, on[k]) and len(on[k]) < PER_EDGE:
                return edges[k], t
    raise AssertionError("unreachable: the capacity was checked")


def _make(t: ContractTemplate, e: Edge, iid: str) -> Issue:
    words = {"caller": e.caller, "callee": e.callee}
    fix = t.healthy(e)
    where = e.path(t.setting)
    setting = (
        f"The settings are under {where}."
        if isinstance(fix[t.setting], dict)
        else f"The setting is {where}."
    )
    return make_issue(
        id=iid,
        service=e.caller,
        title=f"{t.title} ({e.caller} -> {e.callee})",
        category=t.category,
        severity=t.severity,
        check=t.check(e),
        fix={"upstreams": {e.callee: fix}},
        hop=(e.caller, e.callee),
        failure=t.failure,
        detail=t.detail.format(**words),
        share=t.share(e),
        explanation=t.explanation.format(**words),
        hints=(
            t.nudge.format(**words),
            setting,
            t.contract.format(**words),
        ),
    )
