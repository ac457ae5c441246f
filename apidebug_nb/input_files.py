"""Reading files a person hands us: only regular files, size checked on the open handle,
YAML without aliases and with bounded depth, JSON and TOML with bounded depth.

Part of the input boundary (see :mod:`apidebug_nb.input_limits`). A FIFO, a
device (a symlink to ``/dev/zero``), a directory or a socket is refused before
a byte is read, and no file is read past its limit, so nothing here can hang or
exhaust memory.

Exceptions: :class:`~apidebug_nb.input_limits.InputError` for a refused file
or a value beyond the bounds; the parsers' own syntax errors
(``yaml.YAMLError``, ``json.JSONDecodeError``, ``tomllib.TOMLDecodeError``)
pass through for the caller to word. Nothing else escapes.
"""

from __future__ import annotations

import os
import re
import stat
from functools import cache
from typing import Any

from apidebug_nb.input_limits import MAX_NUMBER_CHARS, InputError, Limits

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class LineInputError(InputError):
    """Refused file content; ``line`` is where (1-based), when known."""

    def __init__(self, detail: str, line: int | None = None):
        super().__init__(f"line {line}: {detail}" if line else detail)
        self.detail = detail
        self.line = line


def read_file_bytes(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, else InputError.

    The file is opened without blocking (a FIFO with no writer does not hang),
    then checked with ``fstat`` on the opened handle (so a symlink swapped in
    between cannot slip past), and read with a cap (so a file that grows
    while being read cannot either).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise InputError(f"it is {kind}, not a regular file; give a regular file")
        if info.st_size > max_bytes:
            raise InputError(f"the file is {info.st_size:,} bytes; at most {max_bytes:,}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InputError(
                    f"the file is more than {max_bytes:,} bytes; at most {max_bytes:,}"
                )
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_file_text(path: str | os.PathLike[str], max_bytes: int) -> str:
    """A regular file's UTF-8 text (see :func:`read_file_bytes`), else InputError."""
    raw = read_file_bytes(path, max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LineInputError("the file is not UTF-8 text", line) from None


# -- YAML -------------------------------------------------------------------------------

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


@cache
def _loader_class(limits: Limits) -> type:
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    # libyaml's C parser (when PyYAML has it) makes the events; the composer below,
    # in Python, builds the nodes, so every node passes the checks. The C parser is
    # what keeps a 2 MB file to about a second: PyYAML's pure-Python scanner takes tens.
    try:
        from yaml._yaml import CParser  # what yaml.cyaml re-exports

        bases: tuple[type, ...] = (Composer, CParser, SafeConstructor, Resolver)
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        bases = (yaml.SafeLoader,)

    class BoundedLoader(*bases):  # type: ignore[misc]
        """Safe loading that refuses aliases and caps depth, nodes, text and number size."""

        def __init__(self, stream: str):
            if bases[0] is Composer:
                CParser.__init__(self, stream)
                Composer.__init__(self)
                SafeConstructor.__init__(self)
                Resolver.__init__(self)
            else:  # pragma: no cover
                yaml.SafeLoader.__init__(self, stream)
            self._depth = 0
            self._nodes = 0

        def get_single_node(self) -> Any:
            return Composer.get_single_node(self)

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if type(event) is yaml.AliasEvent:
                assert event.start_mark is not None  # the parser marks every event
                raise LineInputError(
                    f"YAML aliases (*{event.anchor}) are not allowed in scenario files: "
                    "write the value out in full",
                    event.start_mark.line + 1,
                )
            self._depth += 1
            self._nodes += 1
            if self._depth > limits.max_depth:
                raise LineInputError(
                    f"{limits.what} is nested more than {limits.max_depth} levels deep",
                    event.start_mark.line + 1,
                )
            if self._nodes > limits.max_items:
                raise LineInputError(
                    f"{limits.what} holds more than {limits.max_items:,} values; "
                    "that is far more than any scenario needs",
                    event.start_mark.line + 1,
                )
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
            if type(node) is yaml.ScalarNode:
                line = node.start_mark.line + 1
                if len(node.value) > limits.max_text:
                    raise LineInputError(
                        f"a text of {len(node.value):,} characters is too long; "
                        f"at most {limits.max_text:,}",
                        line,
                    )
                if node.tag in (_INT_TAG, _FLOAT_TAG) and len(node.value) > MAX_NUMBER_CHARS:
                    raise LineInputError(
                        f"a number written with {len(node.value):,} characters is too large",
                        line,
                    )
            return node

    return BoundedLoader


def load_yaml(text: str, limits: Limits) -> tuple[Any, Any]:
    """``(data, root node)`` of one YAML document, with ``yaml.safe_load``'s types.

    Aliases are refused (no billion laughs, no anchor loops); depth, node count,
    text length and the length of numbers are capped while composing, before
    anything is built. Syntax errors and unsafe tags raise ``yaml.YAMLError``.
    """
    loader = _loader_class(limits)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        try:
            data = loader.construct_document(root)
        except (ValueError, OverflowError) as exc:  # e.g. a date in the year 0
            raise InputError(f"a value cannot be read: {exc}") from None
        return data, root
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()


# -- JSON and TOML depth ----------------------------------------------------------------------

_TOML_STRINGS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*', re.S
)


_BRACKETS = re.compile(r"[\[\]{}]")


def toml_depth(text: str) -> int:
    """The deepest nesting of inline arrays and tables in TOML text (strings and
    comments skipped).

    >>> toml_depth('a = [[1], {b = "[[["}]  # [[[')
    2
    """
    depth = deepest = 0
    for line in _TOML_STRINGS.sub("", text).splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and "=" not in stripped:
            continue  # a [table] or [[array]] header, not nesting
        for c in _BRACKETS.findall(stripped):
            if c in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif c in "]}":
                depth -= 1
    return deepest
