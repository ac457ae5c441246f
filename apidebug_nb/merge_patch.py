"""JSON merge patches (RFC 7396) with dotted-key shorthand.

``{"headers.Authorization": "Bearer x"}`` is shorthand for
``{"headers": {"Authorization": "Bearer x"}}``; ``None`` (JSON ``null``)
deletes a key. Patches are checked before anything is applied, so a bad patch
changes nothing. One deliberate deviation from the RFC: a patch may not
descend into an existing non-object setting (``{"timeout.value": 5}`` when
``timeout`` is a number) — in a lab that is a typo, not a wish to replace it.
Inside a ``headers`` object, keys name HTTP headers, which have no case:
``{"headers.content-type": ...}`` sets the existing ``Content-Type`` header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from apidebug_nb.input_limits import FIX_LIMITS, JSON_SCALARS, InputError, clean_json


class PatchError(ValueError):
    """A patch is empty, not an object, not JSON (or beyond the bounds of
    :data:`apidebug_nb.input_limits.FIX_LIMITS`), or descends through a non-object.

    This is the only exception :func:`normalise_patch`, :func:`apply_fix` and
    :func:`check_json` raise on bad input.
    """


def _describe_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def check_json(value: Any, where: str = "") -> Any:
    """Raise PatchError unless ``value`` is plain JSON within the fix bounds.

    Returns the plain-JSON copy made by :func:`apidebug_nb.input_limits.clean_json`
    (string keys, finite numbers of sane size, bounded depth, size and text).

    >>> check_json({"timeout": float("inf")}, "")
    Traceback (most recent call last):
    ...
    apidebug_nb.merge_patch.PatchError: timeout: inf is not a usable number: numbers must be finite
    """
    try:
        return clean_json(value, FIX_LIMITS)
    except InputError as exc:
        at = ".".join(x for x in (where, exc.path) if x)
        raise PatchError(f"{at}: {exc.detail}" if at else exc.detail) from None


def expand_dotted(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Turn dotted keys into nested objects, merging siblings.

    >>> expand_dotted({"headers.Authorization": "Bearer x", "timeout": 30})
    {'headers': {'Authorization': 'Bearer x'}, 'timeout': 30}
    """
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if _is_mapping(value):
            value = expand_dotted(value)
        if "." not in key and key:  # the usual key: no segments to split or check
            if key in out:
                if type(out[key]) is dict and type(value) is dict:
                    out[key] = _merge_disjoint(out[key], value, key)
                    continue
                raise PatchError(f"key {key!r} is given twice")
            out[key] = value
            continue
        parts = key.split(".")
        if any(p == "" for p in parts):
            raise PatchError(f"key {key!r} has an empty segment; write 'a.b', not 'a..b' or '.a'")
        node = out
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise PatchError(f"key {key!r} conflicts with another change to {part!r}")
            node = nxt
        last = parts[-1]
        if last in node and isinstance(node[last], dict) and isinstance(value, dict):
            node[last] = _merge_disjoint(node[last], value, key)
        elif last in node:
            raise PatchError(f"key {key!r} is given twice")
        else:
            node[last] = value
    return out


def _merge_disjoint(a: dict[str, Any], b: dict[str, Any], key: str) -> dict[str, Any]:
    """Merge two expanded objects; the same setting given twice is an error, not a silent win.

    >>> expand_dotted({"auth.token": "a", "auth": {"token": "b"}})
    Traceback (most recent call last):
    ...
    apidebug_nb.merge_patch.PatchError: key 'auth' sets 'auth.token' twice
    """
    out = dict(a)
    for k, v in b.items():
        if k in out and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = _merge_disjoint(out[k], v, f"{key}.{k}")
        elif k in out:
            raise PatchError(f"key {key.split('.')[0]!r} sets {key + '.' + k!r} twice")
        else:
            out[k] = v
    return out


def normalise_patch(changes: Any, *, clean: bool = False) -> dict[str, Any]:
    """Validate a learner's patch and return it with dotted keys expanded.

    ``clean=True`` says ``changes`` is already plain JSON within the fix bounds
    (an :class:`~apidebug_nb.episode.actions.Action`'s changes are), so only its
    shape is checked here.

    >>> normalise_patch({"retry.max_retries": 3})
    {'retry': {'max_retries': 3}}
    >>> normalise_patch([1])
    Traceback (most recent call last):
    ...
    apidebug_nb.merge_patch.PatchError: a fix must be a JSON object such as {"timeout": 30}, got a list
    """
    if not isinstance(changes, Mapping):
        raise PatchError(
            f'a fix must be a JSON object such as {{"timeout": 30}}, got {_describe_type(changes)}'
        )
    if not changes:
        raise PatchError('the fix is empty; give at least one setting, e.g. {"timeout": 30}')
    return expand_dotted(changes if clean else check_json(changes, ""))


def apply_merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``target`` with an (already normalised) merge ``patch`` applied.

    The input is not modified.

    Unchanged sub-objects are shared with ``target`` (copy-on-write), so
    treat both as immutable: patch again rather than editing in place.

    >>> apply_merge_patch({"a": 1, "h": {"x": 1, "y": 2}}, {"a": None, "h": {"y": 3}})
    {'h': {'x': 1, 'y': 3}}
    """
    return _apply(target, patch).config


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, without the slow abstract check for JSON's own types."""
    t = type(value)
    return t is dict or (t not in JSON_SCALARS and t is not list and isinstance(value, Mapping))


def _copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data (much faster than copy.deepcopy)."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if t is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    if t is list:
        return [_copy_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_copy_json(v) for v in value]
    return value


def patch_paths(patch: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted leaf paths a normalised patch touches.

    >>> patch_paths({"retry": {"max_retries": 3, "backoff_s": 1}, "timeout": 5})
    ['retry.max_retries', 'retry.backoff_s', 'timeout']
    """
    out: list[str] = []
    for key, value in patch.items():
        if isinstance(value, Mapping) and value:
            out.extend(patch_paths(value, f"{prefix}{key}."))
        else:
            out.append(f"{prefix}{key}")
    return out


@lru_cache(maxsize=1024)
def _close_matches(key: str, names: tuple[str, ...]) -> tuple[str, ...]:
    # difflib is slow and the same new keys come back in every episode of a task
    import difflib

    return tuple(difflib.get_close_matches(key, names, n=2))


@dataclass(frozen=True)
class AppliedPatch:
    """The result of :func:`apply_fix`.

    Attributes:
        config: the patched config (unchanged parts shared with the input).
        touched: dotted leaf paths the patch sets or deletes, in patch order.
        changed: whether any value actually differs from before.
        new_keys: paths the patch adds that did not exist, with close existing names.
    """

    config: dict[str, Any]
    touched: list[str]
    changed: bool
    new_keys: list[tuple[str, list[str]]]


def apply_fix(target: Mapping[str, Any], changes: Any, *, clean: bool = False) -> AppliedPatch:
    """Validate a learner's patch and apply it to ``target`` in one walk.

    :func:`normalise_patch`, then the merge of :func:`apply_merge_patch`,
    which also collects the touched paths (as :func:`patch_paths`), the new
    keys with close existing names (to warn about typos without refusing new
    settings, which are sometimes the fix) and whether anything changed.
    Raises :class:`PatchError` before anything is returned; the input is not
    modified. ``clean`` is :func:`normalise_patch`'s.

    >>> r = apply_fix({"timeout": 5, "h": {"x": 1}}, {"h.x": 1, "timout": 30})
    >>> r.config, r.touched, r.changed, r.new_keys
    ({'timeout': 5, 'h': {'x': 1}, 'timout': 30}, ['h.x', 'timout'], True, [('timout', ['timeout'])])
    """
    return _apply(target, normalise_patch(changes, clean=clean))


def _header_key(headers: Mapping[str, Any], key: str) -> str:
    """The existing header ``key`` names, whatever its case (header names have none).

    >>> _header_key({"Content-Type": "text/plain"}, "content-type")
    'Content-Type'
    >>> _header_key({"Content-Type": "text/plain"}, "Accept")
    'Accept'
    """
    wanted = key.lower()
    return next((k for k in headers if k.lower() == wanted), key)


def _apply(target: Mapping[str, Any], patch: Mapping[str, Any]) -> AppliedPatch:
    """The one merge walk behind :func:`apply_merge_patch` and :func:`apply_fix`."""
    touched: list[str] = []
    added: list[tuple[str, list[str]]] = []
    changed = [False]

    def merge(
        node: Mapping[str, Any], sub: Mapping[str, Any], prefix: str, headers: bool = False
    ) -> dict[str, Any]:
        out = dict(node)
        for key, value in sub.items():
            if headers and key not in out:
                key = _header_key(out, key)
            here = prefix + key
            present = key in out
            if value is None:
                touched.append(here)
                if present:
                    del out[key]
                    changed[0] = True
            elif _is_mapping(value):
                current = out.get(key) if present else None
                if present and not _is_mapping(current):
                    inner = next(iter(value), "")
                    raise PatchError(
                        f"{here!r} is {_describe_type(current)}, so {here + '.' + inner!r} "
                        f"cannot be set inside it; set {here!r} itself"
                    )
                if not present:
                    added.append((here, list(_close_matches(key, tuple(out)))))
                    changed[0] = True
                if not value:
                    touched.append(here)
                out[key] = merge(current or {}, value, here + ".", key.lower() == "headers")
            else:
                touched.append(here)
                if not present:
                    added.append((here, list(_close_matches(key, tuple(out)))))
                if not present or out[key] != value or type(out[key]) is not type(value):
                    changed[0] = True
                out[key] = _copy_json(value)
        return out

    config = merge(target, patch, "")
    return AppliedPatch(config, touched, changed[0], added)
