"""Common machinery for local infrastructure servers: ports, pid files, readiness waits, stop by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from meshconfig.topology import free_ports

LOOPBACK = "127.0.0.1"

# Ports handed out by this process: the OS may return a just-closed port again before the server
# that asked for it binds, so remember them and never give the same one twice.


class DevstackError(RuntimeError):
    """A local server could not be started, reached or stopped."""


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on host that is free right now (the caller binds it soon after); one
    picker for every server a test or the platform starts (meshconfig.topology.free_ports)."""
    try:
        return free_ports(1, host)[0]
    except RuntimeError as error:
        raise DevstackError(str(error)) from error


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Tell whether port can be bound on host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: a port whose old connections linger in TIME_WAIT is still usable.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """Tell whether pid is a live (not zombie) process; reaps it if it is our exited child."""
    with contextlib.suppress(ChildProcessError, OSError):
        # Our own children stay zombies (and "alive" for kill(0)) until reaped.
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # The state letter follows the parenthesised command name, which may itself contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def process_start_ticks(pid: int) -> int | None:
    """Start time of pid in clock ticks since boot: with the pid, it names one process despite pid reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _same_process(state: dict[str, Any]) -> int | None:
    """The pid a state file names, if that very process is still alive (not a reused pid)."""
    pid = state.get("pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        return None
    recorded = state.get("start_ticks")
    if recorded is not None and process_start_ticks(pid) != recorded:
        return None
    return pid


def stop_pid(pid: int, timeout: float = 10.0, *, sig: int = signal.SIGTERM) -> bool:
    """Stop pid: sig (SIGTERM by default), wait up to timeout, then SIGKILL. True if it was running."""
    if not pid_alive(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    return True


def tail(path: Path, lines: int = 20) -> str:
    """Last lines of a log file, for error messages."""
    try:
        data = path.read_bytes()[-16384:]
    except OSError:
        return "(no log)"
    text = data.decode("utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join(text) if text else "(log is empty)"


def stop_all(root: Path, timeout: float = 10.0) -> list[str]:
    """Stop every server whose pid file lies under root (used by `make down`); return their names."""
    stopped: list[str] = []
    for state_file in sorted(Path(root).glob("**/*.state.json")):
        state = _read_state(state_file)
        pid = _same_process(state)
        sig = state.get("stop_signal", signal.SIGTERM)
        if pid is not None and stop_pid(pid, timeout, sig=int(sig)):
            stopped.append(str(state.get("name", state_file.stem)))
        _clear_pid_files(state_file)
    return stopped


def _read_state(state_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _clear_pid_files(state_file: Path) -> None:
    """Forget the pid but keep the rest of the state: the next start reuses the same ports."""
    name = state_file.name.removesuffix(".state.json")
    state_file.with_name(f"{name}.pid").unlink(missing_ok=True)
    state = _read_state(state_file)
    if state.get("pid") is not None:
        state["pid"] = None
        state_file.write_text(json.dumps(state, indent=2) + "\n")


class LocalServer(ABC):
    """One local server process with its own data dir, port and pid file.

    start() adopts a server already running from the same data dir (its pid file and port are
    reused), so running `make up` twice does not start a second copy.
    """

    name: str = "server"
    #: Seconds start() waits for readiness unless told otherwise.
    start_timeout: float = 30.0
    #: Seconds stop() waits after stop_signal before SIGKILL.
    stop_timeout: float = 10.0
    #: The signal that asks this server for a clean, prompt shutdown.
    stop_signal: int = signal.SIGTERM

    def __init__(self, data_dir: str | os.PathLike[str], port: int | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.host = LOOPBACK
        self._requested_port = port
        self.port: int = port or 0
        self._process: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None
        self.adopted = False

    # ---- what each server defines -------------------------------------------------------------

    @abstractmethod
    def command(self) -> Sequence[str]:
        """The argv that runs the server in the foreground."""

    @abstractmethod
    def is_ready(self) -> bool:
        """One readiness probe; must return quickly."""

    @property
    @abstractmethod
    def url(self) -> str:
        """Where clients connect."""

    def prepare(self) -> None:
        """Create or upgrade the data dir before the process starts (runs on every start)."""
        return None

    def extra_ports(self) -> dict[str, int]:
        """Other ports the server listens on, remembered in its state file."""
        return {}

    def set_extra_ports(self, ports: Mapping[str, int]) -> None:
        """Restore other ports from a state file (the counterpart of extra_ports)."""
        return None

    def popen_kwargs(self) -> dict[str, Any]:
        """Extra subprocess.Popen arguments (user, env, cwd)."""
        return {}

    # ---- paths -------------------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / f"{self.name}.pid"

    @property
    def state_path(self) -> Path:
        return self.data_dir / f"{self.name}.state.json"

    @property
    def pid(self) -> int | None:
        return self._pid

    # ---- lifecycle ---------------------------------------------------------------------------

    def running(self) -> bool:
        return self._pid is not None and pid_alive(self._pid)

    def start(self, timeout: float | None = None) -> Self:
        """Start the server (or adopt the one already running on this data dir) and wait until ready."""
        timeout = self.start_timeout if timeout is None else timeout
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._adopt_running():
            self._wait_ready(timeout)
            return self
        self._choose_ports()
        self.prepare()
        argv = [str(part) for part in self.command()]
        kwargs = self.popen_kwargs()
        with self.log_path.open("ab") as log:
            log.write(f"\n=== starting {self.name}: {' '.join(argv)}\n".encode())
            log.flush()
            try:
                # A new session: the server outlives the launcher and Ctrl-C in the launcher's
                # terminal does not reach it; it is stopped by PID instead.
                self._process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **kwargs,
                )
            except OSError as exc:
                raise DevstackError(f"{self.name}: cannot run {argv[0]}: {exc}") from exc
        self._pid = self._process.pid
        self._write_state()
        try:
            self._wait_ready(timeout)
        except DevstackError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop the server by PID: SIGTERM, wait, then SIGKILL."""
        timeout = self.stop_timeout if timeout is None else timeout
        pid = self._pid
        if pid is not None:
            stop_pid(pid, timeout, sig=self.stop_signal)
            if self._process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=1)
        self._process = None
        self._pid = None
        _clear_pid_files(self.state_path)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- internals ---------------------------------------------------------------------------

    def _choose_ports(self) -> None:
        previous_state = _read_state(self.state_path)
        self.set_extra_ports({k: int(v) for k, v in previous_state.get("extra_ports", {}).items()})
        if self._requested_port:
            self.port = self._requested_port
        else:
            # Keep the port of the previous run so URLs printed by `make up` stay valid.
            previous = previous_state.get("port")
            if isinstance(previous, int) and port_is_free(previous):
                self.port = previous
            else:
                self.port = free_port()
        if not port_is_free(self.port):
            raise DevstackError(f"{self.name}: port {self.host}:{self.port} is already in use")

    def _adopt_running(self) -> bool:
        state = _read_state(self.state_path)
        pid = _same_process(state)
        if pid is None:
            _clear_pid_files(self.state_path)
            return False
        self._pid = pid
        self.port = int(state["port"])
        self.set_extra_ports({k: int(v) for k, v in state.get("extra_ports", {}).items()})
        self.adopted = True
        return True

    def _write_state(self) -> None:
        assert self._pid is not None
        self.pid_path.write_text(f"{self._pid}\n")
        state = {
            "name": self.name,
            "pid": self._pid,
            "start_ticks": process_start_ticks(self._pid),
            "port": self.port,
            "extra_ports": self.extra_ports(),
            "url": self.url,
            "stop_signal": int(self.stop_signal),
        }
        self.state_path.write_text(json.dumps(state, indent=2) + "\n")

    def _wait_ready(self, timeout: float) -> None:
        wait_until(
            self.is_ready,
            timeout,
            what=f"{self.name} on {self.host}:{self.port}",
            alive=self.running,
            log=self.log_path,
        )


def wait_until(
    probe: Callable[[], bool],
    timeout: float,
    *,
    what: str,
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
) -> None:
    """Poll probe until it returns True; fail with the log tail on timeout or early exit."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        # A probe raising (connection refused, reset) just means "not ready yet".
        with contextlib.suppress(Exception):
            if probe():
                return
        if alive is not None and not alive():
            raise DevstackError(f"{what} exited during start-up. Last log lines:\n{_log_tail(log)}")
        if time.monotonic() >= deadline:
            raise DevstackError(f"{what} not ready after {timeout:.0f} s. Last log lines:\n{_log_tail(log)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def _log_tail(log: Path | None) -> str:
    return tail(log) if log is not None else "(no log)"


def run_checked(
    argv: Sequence[str | os.PathLike[str]], *, what: str, timeout: float = 120.0, **kwargs: Any
) -> str:
    """Run a helper command to completion; raise DevstackError with its output if it fails."""
    try:
        result = subprocess.run(
            [str(a) for a in argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
            **kwargs,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DevstackError(f"{what} failed: {exc}") from exc
    output = result.stdout.decode("utf-8", errors="replace")
    if result.returncode != 0:
        last = "\n".join(output.splitlines()[-20:])
        raise DevstackError(f"{what} failed with exit code {result.returncode}:\n{last}")
    return output
