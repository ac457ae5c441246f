"""Task ``ca_rotation``: a partner rotates its certificate authority; some of our pods miss it.

Spec:
    Services: ``billing_worker`` (ours, editable) -> ``partner_bank_api``
    (a partner's, not editable; its config is the contract).
    One flow, ``POST /transfers`` (30 requests a step).

    The partner moved its TLS certificates to a new root CA and a new host
    name. Our pods built from the old base image carry a trust store
    without the new root; the newer pods trust it. Failures happen at the
    connect stage, before any HTTP exchange: no status, only the caller's
    error (``connect: ...``). Pool of 3 contracts, 2 per episode, 15 steps:

    * ``ca_rotation.trust_bundle`` — the worker's mounted trust bundle
      (``tls.trusted_roots``) must include the partner's ``tls.root_ca``;
      until then the share of pods on the old image fails with
      ``x509: certificate signed by unknown authority``.
    * ``ca_rotation.hostname`` — the worker must call the partner's current
      ``base_url``; the new certificate does not cover the legacy host, so
      every request that gets past the trust check fails on the name.
    * ``ca_rotation.tls_version`` — the worker's highest TLS version must be
      one the partner still accepts (it dropped TLS 1.1 with the rotation).

    The handshake agrees on a protocol version first, then verifies the
    chain, then the name: a refused version hides both certificate
    problems. Chain verification fails the old pods and the name check the
    others, so those two are visible at once.
    Variants draw the share of pods on the old image (with the pod counts
    the start-up log quotes), the partner's root CA generation and the
    incident clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from apidebug_nb.scenarios.builder import (
    IssueTemplate,
    TaskParts,
    TaskSpec,
    flow,
    make_issue,
    service,
)
from apidebug_nb.scenarios.records import LogLine

WORKER, PARTNER = "billing_worker", "partner_bank_api"
URL = "https://api.partnerbank.example/v3"
LEGACY_URL = "https://legacy.partnerbank.example/v3"
OLD_ROOT = "PartnerBank Root CA 2016"
BASE_ROOTS = ["ISRG Root X1", "DigiCert Global Root G2"]

CANONICAL = {"old_pods": 4, "replicas": 10, "generation": "G3"}


def draw_values(rng: random.Random) -> dict[str, Any]:
    replicas = rng.choice([8, 10, 12])
    return {
        "old_pods": rng.randint(2, replicas // 2),
        "replicas": replicas,
        "generation": rng.choice(["G2", "G3", "2026"]),
    }


def build(v: Mapping[str, Any]) -> TaskParts:
    new_root = f"PartnerBank Root CA {v['generation']}"
    old, replicas = v["old_pods"], v["replicas"]
    services = (
        service(
            WORKER,
            "billing worker (ours)",
            True,
            {
                "base_url": URL,
                "timeout_s": 10,
                "deployment": {
                    "replicas": replicas,
                    "images": {"billing-base:2026.02": replicas - old, "billing-base:2025.06": old},
                },
                "tls": {
                    "min_version": "1.2",
                    "max_version": "1.3",
                    "trusted_roots": [*BASE_ROOTS, new_root],
                },
            },
            "Sends payouts to the partner bank. Its pods come from two base images.",
        ),
        service(
            PARTNER,
            "partner bank API (partner's, external)",
            False,
            {
                "base_url": URL,
                "tls": {
                    "root_ca": new_root,
                    "previous_root_ca": OLD_ROOT,
                    "certificate_names": ["api.partnerbank.example"],
                    "accepted_versions": ["1.2", "1.3"],
                    "rotated": "certificates re-issued under the new root; legacy host retired",
                },
                "max_processing_ms": 2500,
            },
            "The partner's payment API. Not yours: its config is the contract.",
        ),
    )
    hop = (WORKER, PARTNER)
    pool = (
        IssueTemplate(
            make_issue(
                id="ca_rotation.trust_bundle",
                service=WORKER,
                title="Trust bundle lacks the partner's new root CA",
                category="networking",
                severity="critical",
                check={
                    "contains": [f"{WORKER}.tls.trusted_roots", {"ref": f"{PARTNER}.tls.root_ca"}]
                },
                fix={"tls": {"trusted_roots": [*BASE_ROOTS, new_root]}},
                hop=hop,
                failure="tls_untrusted",
                share={"fixed": round(old / replicas, 4)},
                detail=(
                    "connect: x509: certificate signed by unknown authority "
                    "(pod on billing-base:2025.06; its trust store predates the rotation)"
                ),
                explanation=(
                    "The partner re-issued its certificates under a new root CA. Pods built from "
                    "the newer base image already trusted it; pods still on the old image did "
                    "not, so their TLS handshakes failed before any HTTP was exchanged: no status "
                    "code, only the x509 error, and only on some pods. Mounting a trust bundle "
                    "that includes the new root fixes every pod at once (rebuilding the old pods "
                    "would too). Next time: when only some instances fail, compare what differs "
                    "between them (image, config, zone), and subscribe to partners' CA rotation "
                    "notices."
                ),
                hints=(
                    "Some requests fail before any HTTP answer, and only from some pods. Compare "
                    "what the worker trusts with how the partner's certificates are issued now.",
                    f"The setting is {WORKER}.tls.trusted_roots.",
                    "The trusted roots must include the partner_bank_api tls root_ca.",
                ),
            ),
            {"tls": {"trusted_roots": [*BASE_ROOTS, OLD_ROOT]}},
        ),
        IssueTemplate(
            make_issue(
                id="ca_rotation.hostname",
                service=WORKER,
                title="Legacy host name not on the new certificate",
                category="networking",
                severity="critical",
                check={"eq": [f"{WORKER}.base_url", {"ref": f"{PARTNER}.base_url"}]},
                fix={"base_url": URL},
                hop=hop,
                failure="tls_hostname",
                detail=(
                    "connect: x509: certificate is valid for api.partnerbank.example, "
                    "not legacy.partnerbank.example"
                ),
                explanation=(
                    "The rotated certificate names only the partner's current host; the worker "
                    "still called the legacy one, so every handshake that got past the chain "
                    "check failed on the name. Certificate verification checks both who signed "
                    "the certificate and which names it covers. Next time: call the host the "
                    "provider documents, and read an x509 error to the end: it says which check "
                    "failed."
                ),
                hints=(
                    "Requests from every pod fail in the TLS handshake with a name error.",
                    f"The setting is {WORKER}.base_url.",
                    "The base URL must be the partner's current base_url.",
                ),
            ),
            {"base_url": LEGACY_URL},
        ),
        IssueTemplate(
            make_issue(
                id="ca_rotation.tls_version",
                service=WORKER,
                title="TLS version the partner no longer accepts",
                category="networking",
                severity="critical",
                check={
                    "in": [f"{WORKER}.tls.max_version", {"ref": f"{PARTNER}.tls.accepted_versions"}]
                },
                fix={"tls": {"max_version": "1.3"}},
                hop=hop,
                failure="tls_protocol",
                detail=(
                    "connect: tls: protocol version not supported (worker offers at most TLS "
                    "{billing_worker.tls.max_version})"
                ),
                explanation=(
                    "With the rotation the partner also switched off TLS 1.1. The worker was "
                    "capped at 1.1 (an old compatibility setting), so the two sides could not "
                    "agree on a protocol version and every handshake ended before a certificate "
                    "was even looked at, which hid any certificate problem behind it. Next "
                    "time: never cap the client's TLS version below what the provider "
                    "accepts, and read a provider's security changelog with its CA rotation."
                ),
                hints=(
                    "Every handshake fails before any certificate is checked. Compare the TLS "
                    "versions the worker offers with the ones the partner accepts.",
                    f"The setting is {WORKER}.tls.max_version.",
                    "The worker's highest TLS version must be one of the partner's tls "
                    "accepted_versions.",
                ),
            ),
            {"tls": {"max_version": "1.1"}},
        ),
    )

    def base_logs(cfg: Mapping[str, Mapping[str, Any]]) -> list[LogLine]:
        w = cfg[WORKER]
        roots = "; ".join(w["tls"]["trusted_roots"])
        return [
            LogLine(WORKER, -900, "INFO", "billing worker 8.1.0 starting"),
            LogLine(
                WORKER,
                -899,
                "INFO",
                f"partner={w['base_url']} timeout={w['timeout_s']}s replicas={replicas} "
                f"(billing-base:2026.02 x{replicas - old}, billing-base:2025.06 x{old})",
            ),
            LogLine(WORKER, -898, "INFO", f"mounted trust bundle: {roots}"),
            LogLine(
                WORKER,
                -897,
                "INFO",
                f"tls: versions {w['tls']['min_version']} to {w['tls']['max_version']}",
            ),
            LogLine(
                PARTNER,
                -7200,
                "INFO",
                "certificate rotation complete: chain now ends at the new root CA",
            ),
        ]

    flows = (flow("POST /transfers", WORKER, 30, (WORKER, PARTNER, "POST", "/transfers")),)
    return TaskParts(services, (hop,), pool, base_logs, flows)


SPEC = TaskSpec(
    id="ca_rotation",
    title="Partner CA rotation",
    description=(
        "Since this morning a share of payouts fail with TLS errors. The billing worker "
        "(yours) calls a partner bank's API (not yours), which rotated its certificates."
    ),
    max_steps=15,
    per_episode=2,
    canonical_values=CANONICAL,
    draw_values=draw_values,
    build=build,
    level="beginner",
    skills=(
        "connect-stage failures (no HTTP status)",
        "TLS trust stores and certificate names",
        "failures on some instances only",
    ),
)
