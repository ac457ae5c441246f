"""Start JupyterLab and Voila on 127.0.0.1 with private settings, and find a Chromium.

Plain functions with no pytest dependency, so the browser tests
(``conftest.py``), the browser benchmark and ``docs/make_screenshots.py``
share one recipe. Every server gets a free port, a random token and its own
config, runtime, settings and workspace folders, so nothing on the machine
(the user's Jupyter settings, an open JupyterLab) leaks in or out.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The notebooks the servers serve (copied into a temporary root first).
NOTEBOOKS = REPO / "notebooks"
#: Screenshots and failure reports (git-ignored).
ARTIFACTS = REPO / "test-artifacts" / "e2e"

#: Debian's package (``apt-get install chromium``) installs the browser here.
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

#: A server's kernels listen on Unix sockets next to their connection files: TCP ports picked
#: for a kernel can be taken by another process before the kernel binds them, and the kernel
#: then dies at start.
KERNELS_ON_UNIX_SOCKETS = "--KernelManager.transport=ipc"

#: Headless flags proven on the CI machines: no sandbox as root, no GPU, no
#: background traffic that could slow the page or reach the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: JupyterLab's notification settings: no news or update checks, no toasts over the page.
QUIET_NOTIFICATIONS = {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}
#: The notebook tracker's "Always start the preferred kernel".
AUTO_START_KERNEL = {"autoStartDefaultKernel": True}

#: A fresh virtual environment compiles its bytecode on first start: minutes on a loaded machine.
START_TIMEOUT_S = 240.0


#: Where servers listen without ``E2E_PORTS``: below Linux's range for outgoing connections
#: (32768-60999), so no connection can take a port between the moment it is picked here and
#: the moment the server binds it (a port the system picks would be in that range).
DEFAULT_PORTS = "20300-20399"

#: Ports already handed to a server by this process (it may not be listening yet).
_HANDED_OUT: set[int] = set()


def port_range(text: str) -> range:
    """The ports of ``E2E_PORTS``, written ``FIRST-LAST`` (both included).

    >>> port_range("8952-8969")
    range(8952, 8970)
    """
    first, sep, last = text.partition("-")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ValueError(f"E2E_PORTS must look like 8952-8969, not {text!r}")
    ports = range(int(first), int(last) + 1)
    if not ports or ports[0] < 1 or ports[-1] > 65535:
        raise ValueError(f"E2E_PORTS {text!r} holds no port between 1 and 65535")
    return ports


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The first free one not yet given to a server, in ``E2E_PORTS=FIRST-LAST`` when set
    (a shared machine, a firewall), else in ``DEFAULT_PORTS``.
    """
    wanted = os.environ.get("E2E_PORTS", "").strip() or DEFAULT_PORTS
    for port in port_range(wanted):
        if port not in _HANDED_OUT and _bindable(port):
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError(f"no free port left in {wanted}: set E2E_PORTS=FIRST-LAST to use others")


def copy_notebooks(source: Path, root: Path) -> list[Path]:
    """Copy ``source/*.ipynb`` into ``root`` so autosave never touches the repository."""
    root.mkdir(parents=True, exist_ok=True)
    copies = []
    for notebook in sorted(source.glob("*.ipynb")):
        copies.append(Path(shutil.copy2(notebook, root / notebook.name)))
    return copies


def private_env(state: Path) -> dict[str, str]:
    """The environment for a server whose Jupyter state lives only under ``state``."""
    dirs = {
        "JUPYTER_CONFIG_DIR": state / "config",
        # Kernels' Unix sockets (KERNELS_ON_UNIX_SOCKETS) sit next to their connection files,
        # and a socket's path may hold at most 107 bytes: a folder under pytest's temporary
        # folders (``.../popen-gw1/server-state0/lab/runtime``) is too deep for one.
        "JUPYTER_RUNTIME_DIR": Path(tempfile.mkdtemp(prefix="apidebug-runtime-")),
        "JUPYTERLAB_SETTINGS_DIR": state / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": state / "lab-workspaces",
        "IPYTHONDIR": state / "ipython",
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    settings = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(QUIET_NOTIFICATIONS))
    # Start the notebook's own kernel without asking: a busy machine otherwise shows the
    # Select Kernel dialog now and then, and Run All Cells then runs nothing.
    tracker = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps(AUTO_START_KERNEL))
    env = {**os.environ, **{name: str(path) for name, path in dirs.items()}}
    # A backend forced from outside (Agg in CI) would stop inline PNGs in the kernel.
    env.pop("MPLBACKEND", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Server:
    """A running Jupyter server: its process, address and token."""

    name: str
    process: subprocess.Popen
    port: int
    token: str
    log_path: Path
    #: A path that answers 200 once the server is up, without side effects.
    probe: str
    #: The server's runtime folder (connection files, kernel sockets), removed by ``stop``.
    runtime: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """``path`` on this server with the token in the query string."""
        joiner = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{joiner}token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def shut_down_kernels(self) -> None:
        """End every session (and its kernel), as Kernel > Shut Down All would."""
        with urllib.request.urlopen(self.url("/api/sessions"), timeout=10) as response:
            sessions = json.load(response)
        for session in sessions:
            request = urllib.request.Request(
                self.url(f"/api/sessions/{session['id']}"), method="DELETE"
            )
            with urllib.request.urlopen(request, timeout=30):
                pass

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> Server:
        """Block until the server answers; returns itself."""
        wait_until_ready(self, self.probe, timeout_s)
        return self

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM, then wait; the server shuts its kernels down on the way out."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        if self.runtime is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)


def wait_until_ready(server: Server, probe_path: str, timeout_s: float = START_TIMEOUT_S) -> None:
    """Poll ``probe_path`` until it answers 200; raise with the server's log if it never does."""
    deadline = time.monotonic() + timeout_s
    url = server.url(probe_path)
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode} while starting:\n"
                f"{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"{server.name} did not answer {probe_path} within {timeout_s:.0f} s:\n{server.log_tail()}"
    )


def _spawn(
    name: str,
    args: list[str],
    cwd: Path,
    state: Path,
    port: int,
    token: str,
    probe: str,
    env: dict[str, str] | None = None,
) -> Server:
    state.mkdir(parents=True, exist_ok=True)
    log_path = state / f"{name}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - owned by the child's lifetime
    env = {**private_env(state), **(env or {})}
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child holds its own copy of the descriptor
    return Server(name, process, port, token, log_path, probe, Path(env["JUPYTER_RUNTIME_DIR"]))


def start_lab(root: Path, state: Path) -> Server:
    """JupyterLab serving ``root``, ready to use."""
    return spawn_lab(root, state).wait_ready()


def start_voila(notebook: Path, state: Path) -> Server:
    """Voila serving ``notebook``, ready to use."""
    return spawn_voila(notebook, state).wait_ready()


def spawn_lab(root: Path, state: Path) -> Server:
    """Start JupyterLab serving ``root`` from this interpreter's environment (not yet ready)."""
    port, token = free_port(), secrets.token_hex(16)
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        KERNELS_ON_UNIX_SOCKETS,
    ]
    if running_as_root():
        args.append("--allow-root")
    return _spawn("jupyterlab", args, root, state, port, token, "/api/status")


def spawn_voila(
    notebook: Path,
    state: Path,
    extra_args: list[str] = (),
    env: dict[str, str] | None = None,
    port: int = 0,
) -> Server:
    """Start Voila rendering ``notebook`` as an app (no code shown), not yet ready."""
    port, token = port or free_port(), secrets.token_hex(16)
    args = [
        sys.executable,
        "-m",
        "voila",
        notebook.name,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.token={token}",
        KERNELS_ON_UNIX_SOCKETS,
        *extra_args,
    ]
    # Probing a static file: a GET of the page itself would start a kernel.
    probe = "/voila/labextensions/@jupyter-widgets/jupyterlab-manager/package.json"
    return _spawn("voila", args, notebook.parent, state, port, token, probe, env)


def playwright_chromium(playwright) -> str | None:
    """Playwright's own Chromium, when ``playwright install chromium`` has put one here."""
    try:
        path = Path(playwright.chromium.executable_path)
    except Exception:  # noqa: BLE001 - no registry entry means no browser
        return None
    return str(path) if path.is_file() else None


def find_chromium(playwright) -> str | None:
    """Debian's Chromium, else Playwright's own, else ``None``."""
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return str(DEBIAN_CHROMIUM)
    return playwright_chromium(playwright)


def launch_chromium(playwright, executable: str):
    """A headless Chromium with the flags that work as root in a container."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
