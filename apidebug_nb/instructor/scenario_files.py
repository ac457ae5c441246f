"""Scenario files: author a scenario as YAML (or TOML, or JSON), load and validate it.

A file holds plain data only. YAML is read with ``yaml.safe_load``, so tags
that would build Python objects (``!!python/object/apply:os.system``) are
refused; nothing in a scenario file is ever executed. Every error is a
:class:`~apidebug_nb.errors.ScenarioError` that names the file, the line
(where the parser or the file's structure gives one), the issue and the field.

>>> import tempfile, pathlib
>>> from apidebug_nb import load_scenario
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = dump_scenario_file(load_scenario("easy", seed=2), folder / "easy2.yaml")
>>> load_scenario_file(path).content_hash() == load_scenario("easy", seed=2).content_hash()
True
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from pathlib import Path
from typing import Any

from apidebug_nb.errors import ScenarioError
from apidebug_nb.input_files import LineInputError, load_yaml, read_file_text, toml_depth
from apidebug_nb.input_limits import (
    FILE_LIMITS,
    MAX_NUMBER_CHARS,
    InputError,
    clean_json,
    json_depth,
)
from apidebug_nb.model.simulation import with_masks
from apidebug_nb.model.validation import validate_scenario
from apidebug_nb.scenarios.parse import scenario_from_dict
from apidebug_nb.scenarios.records import Scenario

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}
MAX_FILE_BYTES = 2_000_000  # a scenario is text a person wrote; anything bigger is a mistake

_TAG = re.compile(r"tag '([^']*)'")


def load_scenario_file(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file (``.yaml``, ``.yml``, ``.toml`` or ``.json``).

    Args:
        path: the file to read.

    Returns:
        The scenario, checked with every rule of
        :func:`~apidebug_nb.model.validation.validate_scenario`.

    Raises:
        ScenarioError: naming the file (as the scenario), the line when known,
            the issue and the field, with ``.rule`` saying which rule failed.
    """
    path = Path(path)
    data, lines = read_scenario_data(path)
    try:
        return with_masks(validate_scenario(scenario_from_dict(data, source=path.name)))
    except ScenarioError as exc:
        raise ScenarioError(
            exc.detail,
            scenario=path.name,
            issue=exc.issue,
            field=exc.field,
            rule=exc.rule,
            line=exc.line or lines.find(exc.issue, exc.field, exc.rule),
        ) from None


def read_scenario_data(path: str | Path) -> tuple[Any, LineMap]:
    """Read a scenario file into plain data, without checking it as a scenario.

    Returns:
        ``(data, lines)``: the JSON-like data and a :class:`LineMap` that
        finds the line of an issue or a field.
    """
    path = Path(path)
    name = path.name
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ScenarioError(
            f"unknown file type {path.suffix or '(none)'!r}; scenario files end in "
            f"{', '.join(FORMATS)}",
            scenario=name,
            rule="file-type",
        )
    try:
        text = read_file_text(path, MAX_FILE_BYTES)
    except InputError as exc:
        line = getattr(exc, "line", None)
        raise ScenarioError(exc.detail, scenario=name, rule="unreadable", line=line) from None
    if kind == "yaml":
        data, lines = _read_yaml(text, name)
    elif kind == "toml":
        data, lines = _read_toml(text, name)
    else:
        data, lines = _read_json(text, name)
    if data is None:
        raise ScenarioError(
            "the file is empty; a scenario is a mapping with id, max_steps, services, "
            "edges and issues",
            scenario=name,
            rule="shape",
        )
    try:
        data = clean_json(data, FILE_LIMITS)
    except InputError as exc:
        raise ScenarioError(
            exc.detail,
            scenario=name,
            rule="too-large" if exc.too_large else "shape",
            field=exc.path or None,
            line=lines.find(None, exc.path or None),
        ) from None
    return data, lines


class LineMap:
    """Where things are in a scenario file: data path (``issues[2].hints.nudge``) -> line."""

    def __init__(
        self,
        paths: dict[str, int],
        issue_index: dict[str, list[int]],
        second_service: int | None = None,
    ):
        self.paths = paths
        self.issue_index = issue_index  # issue id -> positions in the issues list
        self.second_service = second_service  # position of the first repeated service name

    def find(self, issue: str | None, field: str | None, rule: str = "") -> int | None:
        """The line of ``field`` of ``issue`` (or of a top-level field), or the nearest parent.

        >>> m = LineMap({"issues[0]": 7, "issues[0].hints": 20}, {"a": [0]})
        >>> m.find("a", "hints.nudge"), m.find("a", "check"), m.find(None, "edges")
        (20, 7, None)
        """
        if rule == "duplicate-service" and self.second_service is not None:
            return self.paths.get(f"services[{self.second_service}]")
        base = ""
        if issue is not None:
            where = self.issue_index.get(issue)
            if where is None and issue.startswith("#") and issue[1:].isdigit():
                where = [int(issue[1:]) - 1]  # how the parser names an issue without an id
            if not where:
                return None
            pick = where[1] if rule == "duplicate-issue" and len(where) > 1 else where[0]
            base = f"issues[{pick}]"
        path = f"{base}.{field}" if base and field else (field or base)
        while path:
            if path in self.paths:
                return self.paths[path]
            path = _parent(path)
        return None


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


# -- YAML -----------------------------------------------------------------------------


def _read_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    import yaml

    try:
        data, root = load_yaml(text, FILE_LIMITS)
    except LineInputError as exc:
        raise ScenarioError(exc.detail, scenario=name, rule="too-large", line=exc.line) from None
    except InputError as exc:
        raise ScenarioError(exc.detail, scenario=name, rule="shape") from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = _TAG.search(exc.problem or "")
        if tag is None:  # e.g. a list used as a key
            raise ScenarioError(
                f"YAML error: {exc.problem}", scenario=name, rule="yaml-syntax", line=line
            ) from None
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "this tag"
        raise ScenarioError(
            f"the YAML tag {shown} is not allowed: scenario files hold plain data only "
            "(mappings, lists, strings, numbers, true/false, null) and nothing in them is "
            "ever executed",
            scenario=name,
            rule="unsafe-yaml",
            line=line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own cap, below ours
            raise ScenarioError(
                f"the file is nested more than {FILE_LIMITS.max_depth} levels deep",
                scenario=name,
                rule="too-large",
                line=mark.line + 1 if mark else None,
            ) from None
        what = "; ".join(x for x in (exc.context, exc.problem) if x)
        raise ScenarioError(
            f"YAML syntax error: {what}",
            scenario=name,
            rule="yaml-syntax",
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise ScenarioError(f"YAML error: {exc}", scenario=name, rule="yaml-syntax") from None
    paths: dict[str, int] = {}
    if root is not None:
        _walk_node(root, "", paths, name)
    return _dates_to_text(data), LineMap(paths, _issue_index(data), _second_service(data))


def _walk_node(node: Any, path: str, out: dict[str, int], name: str) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise ScenarioError(
                    f"the key {key!r} appears twice in the same mapping"
                    + (f" ({path})" if path else "")
                    + "; YAML would silently keep only the last one",
                    scenario=name,
                    rule="duplicate-key",
                    line=key_node.start_mark.line + 1,
                )
            seen.add(key)
            sub = f"{path}.{key}" if path else key
            out.setdefault(sub, key_node.start_mark.line + 1)
            _walk_node(value_node, sub, out, name)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            sub = f"{path}[{n}]"
            out.setdefault(sub, item.start_mark.line + 1)
            _walk_node(item, sub, out, name)


def _dates_to_text(value: Any) -> Any:
    """YAML reads an unquoted 2026-03-14T09:00:00 as a datetime; scenarios keep text."""
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


# -- TOML and JSON -----------------------------------------------------------------------

_TOML_LINE = re.compile(r"at line (\d+)")
_TOML_TOP = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=")
_TOML_ISSUES = re.compile(r"^\s*\[\[\s*issues\s*\]\]")
_TOML_TABLE = re.compile(r"^\s*\[")


def _toml_module(name: str) -> Any:
    # tomllib on Python 3.11+, else tomli: the same parser, packaged for Python 3.10
    for module in ("tomllib", "tomli"):
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError:
            continue
    raise ScenarioError(
        "reading TOML needs Python 3.11+ or the 'tomli' package "
        "(pip install tomli); YAML files work everywhere",
        scenario=name,
        rule="file-type",
    )


def _read_toml(text: str, name: str) -> tuple[Any, LineMap]:
    tomllib = _toml_module(name)
    if toml_depth(text) > FILE_LIMITS.max_depth:
        raise ScenarioError(
            f"the file is nested more than {FILE_LIMITS.max_depth} levels deep",
            scenario=name,
            rule="too-large",
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:  # the depth scan is approximate; this is its backstop
        raise ScenarioError(
            "the file is nested too deeply", scenario=name, rule="too-large"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise ScenarioError(
            f"TOML syntax error: {exc}",
            scenario=name,
            rule="toml-syntax",
            line=int(m.group(1)) if m else None,
        ) from None
    except ValueError as exc:  # a number beyond Python's conversion limit
        raise ScenarioError(
            f"a value cannot be read: {exc}", scenario=name, rule="too-large"
        ) from None
    # TOML has no composed-node API: find top-level keys and [[issues]] tables by scanning.
    paths: dict[str, int] = {}
    in_table, issue_no = False, -1
    for n, line in enumerate(text.splitlines(), start=1):
        if _TOML_ISSUES.match(line):
            issue_no += 1
            in_table = True
            paths.setdefault("issues", n)
            paths[f"issues[{issue_no}]"] = n
        elif _TOML_TABLE.match(line):
            in_table = True
        elif not in_table and (m := _TOML_TOP.match(line)):
            paths.setdefault(m.group(1), n)
    return data, LineMap(paths, _issue_index(data), _second_service(data))


def _read_json(text: str, name: str) -> tuple[Any, LineMap]:
    if json_depth(text) > FILE_LIMITS.max_depth:
        raise ScenarioError(
            f"the file is nested more than {FILE_LIMITS.max_depth} levels deep",
            scenario=name,
            rule="too-large",
        )
    try:
        data = json.loads(text, parse_int=_json_int)
    except RecursionError:  # pragma: no cover - the depth scan comes first
        raise ScenarioError(
            "the file is nested too deeply", scenario=name, rule="too-large"
        ) from None
    except InputError as exc:
        raise ScenarioError(exc.detail, scenario=name, rule="too-large") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"JSON syntax error: {exc.msg}", scenario=name, rule="json-syntax", line=exc.lineno
        ) from None
    return data, LineMap({}, _issue_index(data), _second_service(data))


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InputError(f"a number of {len(text):,} digits is too large")
    return int(text)


def _issue_index(data: Any) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    issues = data.get("issues") if isinstance(data, dict) else None
    if isinstance(issues, list):
        for n, item in enumerate(issues):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out.setdefault(item["id"], []).append(n)
    return out


def _second_service(data: Any) -> int | None:
    services = data.get("services") if isinstance(data, dict) else None
    seen: set[Any] = set()
    for n, item in enumerate(services if isinstance(services, list) else []):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in seen:
            return n
        seen.add(name)
    return None


# -- writing ---------------------------------------------------------------------------------


def scenario_authoring_dict(sc: Scenario) -> dict[str, Any]:
    """``sc.to_dict()`` without fields that merely repeat the defaults (shorter files).

    Loading the result gives a scenario with the same content hash.
    """
    d = sc.to_dict()
    for key, default in (("task", None), ("seed", None), ("pool", []), ("explanations", {})):
        if d.get(key) == default:
            d.pop(key)
    for key in ("base_logs", "faults"):
        if not d[key]:
            d.pop(key)
    for s in d["services"]:
        if not s["relays"]:
            s.pop("relays")
    for issue in d["issues"]:
        for key in ("depends_on", "detail", "share"):
            if not issue[key]:
                issue.pop(key)
    return d


def scenario_to_yaml(sc: Scenario) -> str:
    """A scenario as YAML text, in the order an author reads it (id, services, edges, issues).

    >>> from apidebug_nb import load_scenario
    >>> scenario_to_yaml(load_scenario("easy")).splitlines()[:2]
    ['format: 2', 'id: easy']
    """
    import yaml

    return yaml.safe_dump(
        scenario_authoring_dict(sc), sort_keys=False, allow_unicode=True, width=100
    )


def dump_scenario_file(sc: Scenario, path: str | Path) -> Path:
    """Write ``sc`` as a YAML (``.yaml``/``.yml``) or JSON (``.json``) scenario file.

    Returns:
        The path written.
    """
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind == "yaml":
        text = scenario_to_yaml(sc)
    elif kind == "json":
        text = json.dumps(scenario_authoring_dict(sc), indent=2, ensure_ascii=False) + "\n"
    else:
        raise ValueError(
            f"cannot write {path.name!r}: scenario files are written as .yaml, .yml or .json"
        )
    path.write_text(text, encoding="utf-8")
    return path


def example_files() -> list[Path]:
    """The example scenario files shipped with the package, sorted by name."""
    folder = Path(__file__).resolve().parent.parent / "scenarios" / "examples"
    return sorted(folder.glob("*.yaml"))
