"""Start the real API (uvicorn, one process) on loopback for the benchmarks that need a server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@contextmanager
def serve(app: str, env: dict[str, str], *, factory: bool = True, port: int | None = None) -> Iterator[tuple[str, int]]:
    """Yield (base URL, pid) of a uvicorn server for `app` ("module:attr"), stopped afterwards."""
    port = port or free_port()
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    if factory:
        args.append("--factory")
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    # stderr is read only once the process has exited: reading a live pipe would block
    def output() -> str:
        return proc.stderr.read().decode()[-2000:] if proc.poll() is not None else ""

    with running(proc, base, output, ok=(200, 404), start_s=60):
        yield base, proc.pid


@contextmanager
def running(proc: subprocess.Popen, base: str, output: Callable[[], str], *, ok: tuple[int, ...] = (200,),
            start_s: float = 60, stop_s: float = 10) -> Iterator[None]:
    """Wait until `base`/health answers one of `ok` (or fail with the server's `output()`), then stop the
    process when the block ends, killing it if it does not exit within `stop_s`."""
    try:
        deadline = time.monotonic() + start_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited:\n" + output())
            try:
                if httpx.get(base + "/health", timeout=1).status_code in ok:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + output())
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
