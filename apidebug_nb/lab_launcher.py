"""``apidebug-nb lab``: put the labs in a folder of the learner's own, then open JupyterLab there.

Copying follows one rule: a learner's work is never overwritten. A notebook is
copied when it is missing; replaced only when the copy there is byte for byte
one this command put there before (recorded by its SHA-256 in a small manifest)
and the package now ships a newer one; otherwise it is kept as it is.

The server is started with what a fresh machine needs: ``--allow-root`` when run
as root (as in a container), ``--no-browser`` when there is no display, a port
checked beforehand, and a token chosen here so the URL can be printed up front.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIR = "~/apidebug-labs"
DEFAULT_PORT = 8888
DEFAULT_IP = "127.0.0.1"
START_HERE = "00_start_here.ipynb"
#: Which notebook versions this command copied (name -> SHA-256), inside DIR.
MANIFEST = ".apidebug-labs.json"


class LabError(Exception):
    """The labs cannot be opened; the message says why and what to do."""


@dataclass
class CopyReport:
    """What happened to each notebook."""

    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the learner: left alone

    def lines(self, dest: Path) -> list[str]:
        out = []
        if self.copied:
            out.append(f"copied into {dest}: {', '.join(self.copied)}")
        if self.updated:
            out.append(
                f"updated to this version (you had not edited them): {', '.join(self.updated)}"
            )
        if self.kept:
            out.append(f"kept your edited copy of: {', '.join(self.kept)}")
        if self.unchanged and not (self.copied or self.updated):
            out.append(f"the labs are already in {dest}")
        return out


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(dest: Path) -> dict[str, str]:
    try:
        data = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: treat every differing file as the learner's
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write(path: Path, data: bytes) -> None:
    """Write via a temporary file and ``os.replace``: never half a notebook."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(dest: Path) -> None:
    """Create ``dest`` if needed and prove a file can be written there; else :class:`LabError`."""
    how = "choose a folder you can write to: apidebug-nb lab PATH"
    if dest.exists() and not dest.is_dir():
        raise LabError(f"{dest} exists and is not a folder; {how}")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=dest):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LabError(f"cannot write to {dest}: {reason}; {how}") from None


def sync_labs(dest: Path, sources: Sequence[Path]) -> CopyReport:
    """Copy ``sources`` into ``dest`` without ever overwriting a learner's edits."""
    check_writable(dest)
    manifest = _read_manifest(dest)
    report = CopyReport()
    try:
        for source in sources:
            data = source.read_bytes()
            ours = _digest(data)
            target = dest / source.name
            if not target.exists():
                _write(target, data)
                report.copied.append(source.name)
                manifest[source.name] = ours
                continue
            there = _digest(target.read_bytes())
            if there == ours:
                report.unchanged.append(source.name)
                manifest[source.name] = ours
            elif manifest.get(source.name) == there:  # our old copy, never edited
                _write(target, data)
                report.updated.append(source.name)
                manifest[source.name] = ours
            else:
                report.kept.append(source.name)
        _write(dest / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    except OSError as exc:
        raise LabError(f"cannot copy the labs into {dest}: {exc}") from None
    return report


def jupyterlab_installed() -> bool:
    return importlib.util.find_spec("jupyterlab") is not None


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def has_display(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether a browser could open: on macOS and Windows yes; on Linux with a display or ``BROWSER``.

    >>> has_display({}, "linux"), has_display({"DISPLAY": ":0"}, "linux"), has_display({}, "darwin")
    (False, True, True)
    """
    if not platform.startswith("linux"):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"))


def port_in_use(port: int, ip: str = DEFAULT_IP) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return True
    return False


def free_port(ip: str = DEFAULT_IP) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def lab_url(ip: str, port: int, token: str) -> str:
    return f"http://{ip}:{port}/lab/tree/{START_HERE}?token={token}"


def lab_command(
    dest: Path, ip: str, port: int, token: str, *, no_browser: bool, as_root: bool
) -> list[str]:
    """The JupyterLab command line, run with this interpreter (so its environment's packages)."""
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        START_HERE,  # opened first
        f"--ServerApp.root_dir={dest}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # the port checked and printed is the port used
        f"--IdentityProvider.token={token}",
    ]
    if no_browser:
        argv.append("--no-browser")
    if as_root:
        argv.append("--allow-root")
    return argv


def launch(argv: list[str], cwd: Path) -> int:
    """Become JupyterLab (POSIX: exec, so Ctrl+C and SIGTERM reach the server itself)."""
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.chdir(cwd)
        os.execv(argv[0], argv)
    return subprocess.call(argv, cwd=cwd)


def new_token() -> str:
    return secrets.token_hex(24)
