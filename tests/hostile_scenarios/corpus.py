"""A corpus of hostile scenario files: every class of bad input the boundary must refuse.

``write_corpus(folder)`` writes them (and the special files: a FIFO, a link to
``/dev/zero``, a folder named like a scenario, a dangling link) and returns
``{file name: rule}``, the validation rule each must fail with. Most files
are one mutation of ``tests/broken_scenarios/_valid_base.yaml``, so each
tests one thing; the rest are raw text no mutation of valid data can express
(aliases, deep nesting, huge numbers, broken encodings).

Run it by hand to look at the files: ``python tests/hostile_scenarios/corpus.py DIR``.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

BASE = Path(__file__).resolve().parents[1] / "broken_scenarios" / "_valid_base.yaml"
BASE_TOML = BASE.with_suffix(".toml")


def base() -> dict[str, Any]:
    return yaml.safe_load(BASE.read_text(encoding="utf-8"))


def _issue(d: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return d["issues"][n]


def _mutations() -> dict[str, tuple[str, Callable[[dict[str, Any]], Any]]]:
    """name -> (rule, mutate(data) -> data). The mutation edits a fresh copy."""

    def setter(path: list[Any], value: Any) -> Callable[[dict[str, Any]], Any]:
        def mutate(d: dict[str, Any]) -> Any:
            node = d
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            return d

        return mutate

    def check(rule: Any) -> Callable[[dict[str, Any]], Any]:
        return setter(["issues", 0, "check"], rule)

    def nots(n: int) -> Any:
        rule: Any = {"eq": ["shop_api.base_url", "x"]}
        for _ in range(n):
            rule = {"not": rule}
        return rule

    def edges(*extra: list[str]) -> Callable[[dict[str, Any]], Any]:
        def mutate(d: dict[str, Any]) -> Any:
            d["edges"] = d["edges"] + [list(e) for e in extra]
            return d

        return mutate

    def evil_regex(pattern: str) -> Callable[[dict[str, Any]], Any]:
        def mutate(d: dict[str, Any]) -> Any:
            d["services"][0]["config"]["base_url"] = "a" * 5_000 + "!"
            _issue(d)["check"] = {"matches": ["shop_api.base_url", pattern]}
            _issue(d)["reference_fix"] = {"base_url": "a" * 4_999 + "!"}
            return d

        return mutate

    def many(key: str, n: int, make: Callable[[int], Any]) -> Callable[[dict[str, Any]], Any]:
        return lambda d: {**d, key: [make(i) for i in range(n)]}

    m: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
    # shapes the rule interpreter must refuse, not crash on
    for name, rule in {
        "all_5": {"all": 5},
        "any_5": {"any": 5},
        "all_text": {"all": "x"},
        "any_empty": {"any": []},
        "all_of_numbers": {"all": [1, 2]},
        "not_5": {"not": 5},
        "not_list": {"not": [1]},
        "eq_5": {"eq": 5},
        "eq_three": {"eq": ["a.b", 1, 2]},
        "ge_dict": {"ge": {"a": 1}},
        "present_5": {"present": 5},
        "present_nodot": {"present": "shop_api"},
        "ref_bad": {"eq": ["shop_api.base_url", {"ref": 5}]},
        "ref_extra": {"eq": ["shop_api.base_url", {"ref": "a.b", "x": 1}]},
        "factor_text": {"ge": ["shop_api.timeout_s", {"ref": "stock_service.x", "factor": "2"}]},
        "two_ops": {"eq": ["a.b", 1], "ne": ["a.b", 2]},
        "unknown_op": {"like": ["a.b", 1]},
        "not_25_deep": nots(25),
        "not_40_deep": nots(40),
    }.items():
        m[f"rule_{name}.yaml"] = ("bad-rule", check(rule))
    m["check_5.yaml"] = ("shape", check(5))
    m["check_list.yaml"] = ("shape", check([]))
    m["not_600_deep.json"] = ("too-large", check(nots(600)))
    # regexes: catastrophic under backtracking, or needing it
    for n, pattern in enumerate(["^(a+)+$", "(a|a)*$", "(a*)*b", "(a|aa)+$", "((a+)+)+$"]):
        m[f"regex_evil_{n}.yaml"] = ("fix-does-not-resolve", evil_regex(pattern))
    for n, pattern in enumerate([r"(a)\1", "(?=a)a", "(?<!a)b", "a{1001}", "(unclosed"]):
        m[f"regex_refused_{n}.yaml"] = ("bad-rule", check({"matches": ["shop_api.x", pattern]}))
    m["regex_too_long.yaml"] = ("bad-rule", check({"matches": ["shop_api.x", "a" * 2_000]}))
    # the clock
    for name, value in {
        "end_of_time": "9999-12-31T23:59:59",
        "start_of_time": "0001-01-01T00:00:00",
        "not_a_date": "soon",
        "empty_date": "",
    }.items():
        m[f"clock_{name}.yaml"] = ("bad-clock", setter(["incident_start"], value))
    for name, value in {"huge": 10**14, "day_and_one": 86_401, "negative": -45, "zero": 0}.items():
        m[f"step_seconds_{name}.yaml"] = ("bad-clock", setter(["step_seconds"], value))
    m["step_seconds_float.yaml"] = ("shape", setter(["step_seconds"], 1.5))
    m["step_seconds_bool.yaml"] = ("shape", setter(["step_seconds"], True))
    # sizes and counts
    for name, value in {"1e18": 10**18, "1e6": 10**6, "zero": 0, "negative": -1}.items():
        rule = "too-large" if name == "1e18" else "shape"
        m[f"max_steps_{name}.yaml"] = (rule, setter(["max_steps"], value))
    m["max_steps_bool.yaml"] = ("shape", setter(["max_steps"], True))
    for name, value in {
        "1e300": 1e300,
        "1e14": 1e14,
        "minus_1e14": -1e14,
        "31_days": 2_678_400,
    }.items():
        rule = "too-large" if name == "1e300" else "shape"
        m[f"offset_{name}.json"] = (rule, setter(["base_logs", 0, "offset_s"], value))
    m["offset_text.yaml"] = ("shape", setter(["base_logs", 0, "offset_s"], "1e300"))
    m["config_1e300.json"] = ("too-large", setter(["services", 0, "config", "timeout_s"], 1e300))
    m["config_big_int.json"] = ("too-large", setter(["services", 0, "config", "timeout_s"], 10**16))
    m["requests_huge.json"] = ("too-large", setter(["flows", 0, "requests"], 10**20))
    m["requests_10001.yaml"] = ("shape", setter(["flows", 0, "requests"], 10_001))
    m["long_text.yaml"] = ("too-large", setter(["title"], "x" * 100_001))
    m["long_key.yaml"] = ("too-large", setter(["services", 0, "config", "k" * 1_001], 1))
    m["many_services.yaml"] = (
        "too-large",
        many("services", 2_001, lambda i: {"name": f"s{i}", "config": {}}),
    )
    m["many_edges.json"] = ("too-large", many("edges", 20_001, lambda i: ["shop_api", "x"]))
    m["many_issues.json"] = ("too-large", many("issues", 501, lambda i: {}))
    m["many_log_lines.json"] = (
        "too-large",
        setter(["base_logs"], [{"service": "shop_api", "text": "x"} for _ in range(2_001)]),
    )
    m["many_flows.json"] = (
        "too-large",
        many("flows", 501, lambda i: {"name": f"f{i}", "entry": "shop_api", "requests": 1}),
    )
    m["many_hops.json"] = (
        "too-large",
        setter(["flows", 0, "hops"], [{"caller": "shop_api", "callee": "x"}] * 20_001),
    )
    m["many_values.json"] = (
        "too-large",
        setter(["services", 0, "config", "big"], list(range(100_001))),
    )
    # flows and hops that are not what they claim
    m["hops_5.yaml"] = ("shape", setter(["flows", 0, "hops"], 5))
    m["hops_empty.yaml"] = ("shape", setter(["flows", 0, "hops"], []))
    m["hop_not_a_pair.yaml"] = ("shape", setter(["issues", 0, "hop"], ["shop_api"]))
    m["failure_unknown.yaml"] = ("unknown-failure", setter(["issues", 0, "failure"], "exec"))
    m["format_text.yaml"] = ("old-format", setter(["format"], "2"))
    m["format_1.yaml"] = ("old-format", setter(["format"], 1))
    # empty scenarios
    m["no_services.yaml"] = ("shape", lambda d: {**d, "services": [], "edges": [], "issues": []})
    m["no_issues.yaml"] = ("shape", setter(["issues"], []))
    # call graphs that loop
    m["call_cycle_2.yaml"] = ("call-cycle", edges(["stock_service", "shop_api"]))
    m["call_cycle_3.yaml"] = ("call-cycle", edges(["warehouse_db", "shop_api"]))
    for s in ("shop_api", "stock_service", "warehouse_db"):
        m[f"self_loop_{s}.yaml"] = ("call-cycle", edges([s, s]))
    # text that is not valid Unicode
    m["surrogate_value.json"] = ("shape", setter(["title"], "\ud800"))
    m["surrogate_key.json"] = ("shape", setter(["services", 0, "config", "\udfff"], 1))
    return m


def _deep(open_: str, close: str, n: int) -> str:
    return open_ * n + close * n


def _raw() -> dict[str, tuple[str, str | bytes]]:
    """name -> (rule, file content)."""
    text = BASE.read_text(encoding="utf-8")
    toml = BASE_TOML.read_text(encoding="utf-8")
    laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        laughs.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    r: dict[str, tuple[str, str | bytes]] = {
        "billion_laughs.yaml": ("too-large", "\n".join(laughs) + "\n"),
        "laughs_in_config.yaml": (
            "too-large",
            text.replace("config: {engine: postgres}", "config: &c {engine: postgres}")
            + "pool: [*c, *c, *c]\n",
        ),
        "anchor_loop.yaml": ("too-large", "a: &loop [*loop]\n"),
        "anchor_loop_map.yaml": ("too-large", "a: &loop {b: *loop}\n"),
        "merge_key_alias.yaml": ("too-large", "x: &x {a: 1}\ny: {<<: *x}\n"),
        "alias_as_key.yaml": ("too-large", "x: &x k\n*x : 1\n"),
        "empty.yaml": ("shape", ""),
        "only_comment.yaml": ("shape", "# nothing here\n"),
        "null.yaml": ("shape", "~\n"),
        "document_marker.yaml": ("shape", "---\n"),
        # a mapping without `format` is read as an old file
        "empty_map.yaml": ("old-format", "{}\n"),
        "only_format.yaml": ("shape", "format: 2\n"),
        "empty_list.yaml": ("shape", "[]\n"),
        "empty.json": ("json-syntax", ""),
        "null.json": ("shape", "null"),
        "empty_object.json": ("old-format", "{}"),
        "only_format.json": ("shape", '{"format": 2}'),
        "empty.toml": ("old-format", ""),
        "only_format.toml": ("shape", "format = 2\n"),
        "two_documents.yaml": ("yaml-syntax", text + "---\n" + text),
        "big_int.yaml": ("too-large", text.replace("max_steps: 12", "max_steps: " + "9" * 5_000)),
        "big_int_config.yaml": (
            "too-large",
            text.replace("timeout_s: 2", "timeout_s: " + "9" * 4_400),
        ),
        "big_int.json": ("too-large", '{"id": "x", "max_steps": ' + "9" * 5_000 + "}"),
        "big_int.toml": ("too-large", toml.replace("max_steps = 12", "max_steps = " + "9" * 5_000)),
        "big_float.yaml": ("shape", text.replace("timeout_s: 2", "timeout_s: 1.0e+400")),
        "big_float.json": ("shape", '{"id": "x", "max_steps": 1e400}'),
        "nan.json": ("shape", '{"id": "x", "max_steps": NaN}'),
        "infinity.toml": ("shape", toml.replace("max_steps = 12", "max_steps = inf")),
        "year_zero.yaml": ("shape", "id: x\nincident_start: 0000-01-01\n"),
        "binary_tag.yaml": ("shape", "id: !!binary aGVsbG8=\n"),
        "set_tag.yaml": ("shape", "id: !!set {a: null}\n"),
        "python_tag.yaml": ("unsafe-yaml", "id: !!python/object/apply:os.system ['true']\n"),
        "complex_key.yaml": ("yaml-syntax", "? [a, b]\n: 1\n"),
        "null_key.yaml": ("shape", text.replace("engine: postgres", "~: postgres")),
        "int_key.yaml": ("shape", text.replace("engine: postgres", "1: postgres")),
        "yes_key.yaml": ("shape", text.replace("engine: postgres", "yes: postgres")),
        "not_utf8.yaml": ("unreadable", text.encode("utf-8") + b"\nx: \xff\xfe\n"),
        "utf16.yaml": ("unreadable", text.encode("utf-16")),
        "nul_bytes.yaml": ("yaml-syntax", "id: a\x00b\n"),
        "surrogate_escape.yaml": (
            "yaml-syntax",  # libyaml refuses the escape itself
            text.replace("title: Shop stock lookups", 'title: "\\ud800"'),
        ),
        "surrogate_escape.json": ("shape", '{"id": "\\ud800"}'),
        "list_2_7_mb.yaml": ("unreadable", "[" + ",".join(["1"] * 1_350_000) + "]\n"),
        "list_2_7_mb.json": ("unreadable", "[" + ",".join(["1"] * 1_350_000) + "]"),
        "list_1_9_mb.yaml": ("too-large", "[" + ",".join(["1"] * 950_000) + "]\n"),
        "list_1_9_mb.json": ("too-large", "[" + ",".join(["1"] * 950_000) + "]"),
        "wide_map_1_9_mb.yaml": (
            "too-large",
            "".join(f"k{i}: {i}\n" for i in range(125_000)),
        ),
        "long_line.yaml": ("too-large", "id: " + "x" * 1_900_000 + "\n"),
        "unknown_suffix.txt": ("file-type", text),
        "no_suffix": ("file-type", text),
        "syntax.yaml": ("yaml-syntax", "id: [unclosed\n"),
        "syntax.json": ("json-syntax", '{"id": '),
        "syntax.toml": ("toml-syntax", "id = \n"),
        "top_scalar.yaml": ("shape", "42\n"),
        "top_string.json": ("shape", '"scenario"'),
    }
    for n in (49, 1_000, 10_000):
        r[f"deep_list_{n}.yaml"] = ("too-large", "x: " + _deep("[", "]", n) + "\n")
        r[f"deep_map_{n}.yaml"] = ("too-large", "x: " + "{a: " * n + "1" + "}" * n + "\n")
        r[f"deep_list_{n}.json"] = ("too-large", '{"x": ' + _deep("[", "]", n) + "}")
        r[f"deep_map_{n}.json"] = ("too-large", '{"x": ' + '{"a": ' * n + "1" + "}" * n + "}")
        r[f"deep_array_{n}.toml"] = ("too-large", "x = " + _deep("[", "]", n) + "\n")
        r[f"deep_table_{n}.toml"] = ("too-large", "x = " + "{a = " * n + "1" + "}" * n + "\n")
    r["deep_block_yaml_100.yaml"] = (
        "too-large",
        "".join("  " * i + "a:\n" for i in range(100)) + "  " * 100 + "b: 1\n",
    )
    r["deep_unclosed_100000.json"] = ("too-large", "[" * 100_000)
    r["deep_dotted_key.toml"] = ("too-large", ".".join(["a"] * 100) + " = 1\n")
    return r


SPECIAL = {
    "fifo.yaml": "unreadable",
    "dev_zero.yaml": "unreadable",
    "folder.yaml": "unreadable",
    "dangling_link.yaml": "unreadable",
}


def write_corpus(folder: Path) -> dict[str, str]:
    """Write every hostile file into ``folder``; returns ``{name: expected rule}``."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    for name, (rule, mutate) in _mutations().items():
        data = mutate(copy.deepcopy(base()))
        path = folder / name
        if name.endswith(".json"):
            # ensure_ascii keeps lone surrogates as \\u escapes, as a hand-written file would
            path.write_text(json.dumps(data), encoding="ascii")
        else:
            path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        expected[name] = rule
    for name, (rule, content) in _raw().items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        expected[name] = rule
    os.mkfifo(folder / "fifo.yaml")
    os.symlink("/dev/zero", folder / "dev_zero.yaml")
    (folder / "folder.yaml").mkdir()
    os.symlink(folder / "nowhere.yaml", folder / "dangling_link.yaml")
    expected.update(SPECIAL)
    return expected


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for name, rule in sorted(write_corpus(out).items()):
        print(f"{rule:<22} {name}")
