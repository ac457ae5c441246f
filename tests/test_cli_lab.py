"""``apidebug-nb lab``: real copying and overwrite rules, and every way it refuses to start.

The JupyterLab launch itself is replaced by a recorder (it would block); the last
test starts the real server once and fetches the start-here notebook from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from apidebug_nb import lab_launcher
from apidebug_nb.cli import main
from apidebug_nb.notebook_files import notebook_paths

SOURCES = notebook_paths()
NAMES = sorted(p.name for p in SOURCES)
#: This project's tests may use ports 18800-18849 only.
TEST_PORTS = range(18800, 18850)


def free_test_port(after: int | None = None) -> int:
    """A free port of the test range; test runs side by side (the CI matrix) start at
    different places in it, and ``after`` moves past a port another run took first."""
    ports = list(TEST_PORTS)
    start = (os.getpid() % len(ports)) if after is None else (ports.index(after) + 1)
    for port in ports[start:] + ports[:start]:
        if not lab_launcher.port_in_use(port):
            return port
    pytest.skip("no free port in 18800-18849")


class Launches:
    """Records what would have been run instead of starting JupyterLab."""

    def __init__(self, code: int = 0):
        self.calls: list[tuple[list[str], Path]] = []
        self.code = code

    def __call__(self, argv: list[str], cwd: Path) -> int:
        self.calls.append((argv, cwd))
        return self.code

    @property
    def argv(self) -> list[str]:
        assert len(self.calls) == 1, self.calls
        return self.calls[0][0]


@pytest.fixture()
def launches(monkeypatch) -> Launches:
    recorder = Launches()
    monkeypatch.setattr(lab_launcher, "launch", recorder)
    monkeypatch.setattr(lab_launcher, "jupyterlab_installed", lambda: True)
    monkeypatch.setattr(lab_launcher, "running_as_root", lambda: False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    return recorder


def lab(*args: str) -> int:
    return main(["lab", *args, "--port", str(free_test_port())])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_run_copies_every_lab_and_starts_jupyterlab_on_start_here(tmp_path, launches, capsys):
    dest = tmp_path / "labs"
    assert lab(str(dest)) == 0
    assert sorted(p.name for p in dest.glob("*.ipynb")) == NAMES
    for source in SOURCES:
        assert (dest / source.name).read_bytes() == source.read_bytes()
    out = capsys.readouterr().out
    assert f"copied into {dest}: 00_start_here.ipynb, " in out
    argv, cwd = launches.calls[0]
    assert cwd == dest
    assert argv[:4] == [sys.executable, "-m", "jupyterlab", "00_start_here.ipynb"]
    assert f"--ServerApp.root_dir={dest}" in argv
    assert "--ServerApp.port_retries=0" in argv
    token = next(a for a in argv if a.startswith("--IdentityProvider.token=")).split("=", 1)[1]
    port = next(a for a in argv if a.startswith("--ServerApp.port=")).split("=", 1)[1]
    assert f"http://127.0.0.1:{port}/lab/tree/00_start_here.ipynb?token={token}" in out
    assert len(token) == 48


def test_a_second_run_copies_nothing(tmp_path, launches, capsys):
    dest = tmp_path / "labs"
    assert lab(str(dest)) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in dest.glob("*.ipynb")}
    capsys.readouterr()
    assert lab(str(dest)) == 0
    assert {p.name: p.stat().st_mtime_ns for p in dest.glob("*.ipynb")} == stamps
    out = capsys.readouterr().out
    assert f"the labs are already in {dest}" in out and "copied" not in out
    assert len(launches.calls) == 2


def test_a_learners_edited_copy_is_never_overwritten(tmp_path, launches, capsys):
    dest = tmp_path / "labs"
    assert lab(str(dest)) == 0
    edited = dest / "01_easy_payment_gateway.ipynb"
    edited.write_text('{"my": "answers"}', encoding="utf-8")
    (dest / "00_start_here.ipynb").unlink()  # a deleted lab comes back
    capsys.readouterr()
    assert lab(str(dest)) == 0
    assert edited.read_text(encoding="utf-8") == '{"my": "answers"}'
    assert (dest / "00_start_here.ipynb").read_bytes() == SOURCES[0].read_bytes()
    out = capsys.readouterr().out
    assert "kept your edited copy of: 01_easy_payment_gateway.ipynb" in out
    assert f"copied into {dest}: 00_start_here.ipynb\n" in out


def test_a_file_already_there_that_this_command_never_wrote_is_kept(tmp_path, launches):
    dest = tmp_path / "labs"
    dest.mkdir()
    (dest / "app.ipynb").write_text("mine", encoding="utf-8")
    assert lab(str(dest)) == 0
    assert (dest / "app.ipynb").read_text(encoding="utf-8") == "mine"
    manifest = json.loads((dest / lab_launcher.MANIFEST).read_text(encoding="utf-8"))
    assert "app.ipynb" not in manifest and len(manifest) == len(NAMES) - 1


def test_an_unedited_older_copy_is_updated_to_the_shipped_version(tmp_path, launches, capsys):
    dest = tmp_path / "labs"
    dest.mkdir()
    old = b'{"cells": [], "an": "older release"}'
    (dest / "app.ipynb").write_bytes(old)
    manifest = {"app.ipynb": hashlib.sha256(old).hexdigest()}
    (dest / lab_launcher.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert lab(str(dest)) == 0
    shipped = next(p for p in SOURCES if p.name == "app.ipynb")
    assert (dest / "app.ipynb").read_bytes() == shipped.read_bytes()
    assert "updated to this version (you had not edited them): app.ipynb" in capsys.readouterr().out
    saved = json.loads((dest / lab_launcher.MANIFEST).read_text(encoding="utf-8"))
    assert saved["app.ipynb"] == sha(shipped)


def test_a_damaged_manifest_keeps_every_differing_file(tmp_path, launches):
    dest = tmp_path / "labs"
    dest.mkdir()
    (dest / "app.ipynb").write_text("edited", encoding="utf-8")
    (dest / lab_launcher.MANIFEST).write_text("{not json", encoding="utf-8")
    assert lab(str(dest)) == 0
    assert (dest / "app.ipynb").read_text(encoding="utf-8") == "edited"


def test_the_default_folder_is_apidebug_labs_in_home(tmp_path, launches, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["lab", "--port", str(free_test_port())]) == 0
    assert sorted(p.name for p in (tmp_path / "apidebug-labs").glob("*.ipynb")) == NAMES
    assert launches.calls[0][1] == tmp_path / "apidebug-labs"


def test_as_root_it_allows_root_and_otherwise_not(tmp_path, launches, monkeypatch):
    assert lab(str(tmp_path / "a")) == 0
    monkeypatch.setattr(lab_launcher, "running_as_root", lambda: True)
    assert lab(str(tmp_path / "b")) == 0
    first, second = (argv for argv, _ in launches.calls)
    assert "--allow-root" not in first and second[-1] == "--allow-root"


def test_headless_machines_get_no_browser_and_say_so(tmp_path, launches, monkeypatch, capsys):
    monkeypatch.setattr(lab_launcher.sys, "platform", "linux")
    assert lab(str(tmp_path / "a")) == 0  # no DISPLAY
    assert "no display found: not opening a browser" in capsys.readouterr().out
    monkeypatch.setenv("DISPLAY", ":0")
    assert lab(str(tmp_path / "b")) == 0
    assert "no display" not in capsys.readouterr().out
    assert lab(str(tmp_path / "c"), "--no-browser") == 0  # passed through with a display too
    headless, desktop, asked = (argv for argv, _ in launches.calls)
    assert "--no-browser" in headless and "--no-browser" not in desktop
    assert "--no-browser" in asked


def refused(capsys, code: int) -> str:
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err + captured.out
    return captured.err


def test_port_in_use_is_refused_before_anything_is_copied(tmp_path, launches, capsys):
    port = free_test_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        code = main(["lab", str(tmp_path / "labs"), "--port", str(port)])
    err = refused(capsys, code)
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert f"--port {port + 1}" in err
    assert not (tmp_path / "labs").exists() and launches.calls == []


def test_jupyter_port_sets_the_default_port(tmp_path, launches, monkeypatch, capsys):
    port = free_test_port()
    monkeypatch.setenv("JUPYTER_PORT", str(port))
    assert main(["lab", str(tmp_path / "a")]) == 0
    assert f"--ServerApp.port={port}" in launches.argv
    monkeypatch.setenv("JUPYTER_PORT", "eighty")
    err = refused(capsys, main(["lab", str(tmp_path / "b")]))
    assert "JUPYTER_PORT: a port is a whole number from 1 to 65535" in err
    assert not (tmp_path / "b").exists()


def test_without_jupyter_port_the_default_is_8888(tmp_path, launches, monkeypatch):
    monkeypatch.delenv("JUPYTER_PORT", raising=False)
    monkeypatch.setattr(lab_launcher, "port_in_use", lambda port, ip: False)
    assert main(["lab", str(tmp_path / "a")]) == 0
    assert "--ServerApp.port=8888" in launches.argv


def test_port_zero_picks_a_free_port(tmp_path, launches):
    assert main(["lab", str(tmp_path / "labs"), "--port", "0"]) == 0
    port = int(next(a for a in launches.argv if a.startswith("--ServerApp.port=")).split("=")[1])
    assert port > 0


@pytest.mark.parametrize("bad", ["-1", "65536", "http"])
def test_a_bad_port_is_a_usage_error(bad, tmp_path, launches, capsys):
    assert main(["lab", str(tmp_path), "--port", bad]) == 2
    assert "a port is a whole number from 1 to 65535" in capsys.readouterr().err


def test_a_folder_that_is_a_file_is_refused(tmp_path, launches, capsys):
    target = tmp_path / "labs"
    target.write_text("not a folder", encoding="utf-8")
    err = refused(capsys, lab(str(target)))
    assert f"{target} exists and is not a folder" in err and "apidebug-nb lab PATH" in err
    assert target.read_text(encoding="utf-8") == "not a folder" and launches.calls == []


def test_a_folder_that_cannot_be_created_is_refused(tmp_path, launches, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    err = refused(capsys, lab(str(blocker / "labs")))
    assert f"cannot write to {blocker / 'labs'}: Not a directory" in err
    assert launches.calls == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_folder_is_refused(tmp_path, launches, capsys):
    dest = tmp_path / "labs"
    dest.mkdir()
    dest.chmod(0o500)
    try:
        err = refused(capsys, lab(str(dest)))
    finally:
        dest.chmod(0o700)
    assert f"cannot write to {dest}: Permission denied" in err and launches.calls == []


def test_without_jupyterlab_it_says_how_to_install_it(tmp_path, launches, monkeypatch, capsys):
    monkeypatch.setattr(lab_launcher, "jupyterlab_installed", lambda: False)
    err = refused(capsys, lab(str(tmp_path / "labs")))
    assert "JupyterLab is not installed" in err and 'pip install -e ".[lab]"' in err
    assert not (tmp_path / "labs").exists() and launches.calls == []


def test_jupyterlab_failing_to_start_gives_its_exit_code(tmp_path, launches, capsys):
    launches.code = 3
    assert lab(str(tmp_path / "labs")) == 3
    assert "JupyterLab exited with code 3" in capsys.readouterr().err


def test_jupyterlab_is_really_found_here():
    assert lab_launcher.jupyterlab_installed()  # the [test] extra includes it


def test_the_real_server_serves_the_start_here_notebook(tmp_path):
    """Start it for real (headless, as this user), fetch the notebook, stop it with SIGTERM."""
    dest, port = tmp_path / "labs", free_test_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    log = tmp_path / "lab.log"
    for _ in range(5):  # another run may take the port between the check and the start
        with open(log, "w", encoding="utf-8") as sink:  # a file: a chatty server never blocks
            server = subprocess.Popen(
                [sys.executable, "-m", "apidebug_nb", "lab", str(dest), "--port", str(port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
            )
        time.sleep(1)
        if server.poll() is None or "already in use" not in log.read_text(encoding="utf-8"):
            break
        port = free_test_port(after=port)
    pattern = re.compile(r"http://127\.0\.0\.1:\d+/lab/tree/00_start_here\.ipynb\?token=\w+")
    try:
        deadline = time.monotonic() + 90
        while not (found := pattern.search(log.read_text(encoding="utf-8"))):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        url = found.group(0)
        token = url.split("token=")[1]
        api = f"http://127.0.0.1:{port}/api/contents/00_start_here.ipynb?token={token}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(api, timeout=5) as response:
                    model = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert model["type"] == "notebook" and model["name"] == "00_start_here.ipynb"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200 and b"JupyterLab" in response.read()
    finally:
        server.send_signal(signal.SIGTERM)  # the command exec'd JupyterLab: this stops the server
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
