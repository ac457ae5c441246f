"""Same seed, same scenario (and same episode) in every process and PYTHONHASHSEED."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

import apidebug_nb as adb

SEEDS = [None, *range(60), 123, 999]  # 16: the medium seed the seed file broke
PLAYED = [None, 0, 7, 16, 999]

# Prints {"task:seed": digest} for scenarios and for reference-solver episodes.
PROBE = """
import hashlib, json
import apidebug_nb as adb

def digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

def play(sc):
    ep = adb.Episode(sc)
    obs, _ = ep.reset()
    shown = [obs.to_dict()]
    for svc in sc.services:
        shown.append(ep.step(adb.Action.inspect_endpoint(svc))[0].to_dict())
    for action in adb.oracle_actions(sc):
        shown.append(ep.step(action)[0].to_dict())
    return {"observations": shown, "grade": ep.grade().to_dict(), "events": ep.events}

out = {}
for task in adb.TASKS:
    for seed in SEEDS:
        sc = adb.load_scenario(task, seed)
        out[f"{task}:{seed}"] = digest(sc.to_dict())
        if seed in PLAYED:
            out[f"{task}:{seed}:episode"] = digest(play(sc))
print(json.dumps(out, sort_keys=True))
"""


def run_probe(hash_seed: str) -> dict[str, str]:
    code = f"SEEDS = {SEEDS!r}\nPLAYED = {PLAYED!r}\n{PROBE}"
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, str]]:
    return {h: run_probe(h) for h in ("0", "1")}


def canonical_dump(sc: adb.Scenario) -> str:
    return json.dumps(sc.to_dict(), sort_keys=True)


def test_same_seed_same_scenario_across_hash_seeds(probes):
    zero, one = probes["0"], probes["1"]
    assert len(zero) == len(adb.TASKS) * (len(SEEDS) + len(PLAYED))
    differ = sorted(k for k in zero if zero[k] != one.get(k))
    assert not differ, f"differ between PYTHONHASHSEED=0 and =1: {differ}"


def test_subprocesses_agree_with_this_process(probes):
    for task in adb.TASKS:
        for seed in SEEDS:
            here = hashlib.sha256(canonical_dump(adb.load_scenario(task, seed)).encode())
            assert probes["0"][f"{task}:{seed}"] == here.hexdigest(), (task, seed)


def test_the_probe_can_tell_variants_apart(probes):
    # otherwise the comparison above would pass for a constant
    for task in adb.TASKS:
        digests = {probes["0"][f"{task}:{seed}"] for seed in SEEDS}
        assert len(digests) == len(set(SEEDS))


def test_loading_twice_gives_equal_content_and_independent_copies():
    a, b = adb.load_scenario("medium", 16), adb.load_scenario("medium", 16)
    assert canonical_dump(a) == canonical_dump(b)
    assert a.content_hash() == b.content_hash()
    configs = a.configs()
    configs["webhook_sender"]["send_rate_per_s"] = -1
    assert b.configs()["webhook_sender"]["send_rate_per_s"] != -1
    assert a.configs()["webhook_sender"]["send_rate_per_s"] != -1


def test_content_hash_is_the_digest_of_the_canonical_dump():
    sc = adb.load_scenario("hard", 42)
    text = json.dumps(sc.to_dict(), sort_keys=True, separators=(",", ":"))
    assert sc.content_hash() == hashlib.sha256(text.encode()).hexdigest()
