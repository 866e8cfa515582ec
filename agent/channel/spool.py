"""Inbound texts the database could not take in time, kept in an append-only file until it can.

Twilio does not retry a webhook that failed, so once the signature checks out the text must be kept
whatever the database is doing (SQLite's write lock held by a long import, PostgreSQL restarting). The
webhook waits a moment for the database (AFTERGLOW_WEBHOOK_LOCK_WAIT), then appends the text here as
one JSON line, fsyncs and answers 200. The API process drains the spool into the inbound queue at start
and whenever it is not empty; accepting is idempotent on MessageSid, so a line drained twice (a crash
between the insert and the file's removal, Twilio retrying a spooled text) still makes one job.

Files in the spool directory (0700; the files are 0600: they hold patients' words, like the database):
- inbound.jsonl            texts being appended (under inbound.lock, so a drain never loses a write);
- inbound.<ns>.draining    a batch taken for draining, removed once every line is in the queue;
- inbound.failed.jsonl     lines that failed for a reason other than a busy or unreachable database
                           (kept for a person, never retried: they must not hold up the rest).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger("afterglow.channel.spool")

# A busy or unreachable database: the drain stops and tries again later, the line stays.
TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


@dataclass
class DrainReport:
    queued: int = 0
    duplicates: int = 0
    unrouted: int = 0
    failed: int = 0  # moved to inbound.failed.jsonl
    unreadable: int = 0  # torn lines (a crash mid-write, before the 200): never acknowledged to Twilio
    waiting: bool = False  # the database was still busy: lines left for the next drain


class Spool:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "inbound.jsonl"
        self.failed_path = self.directory / "inbound.failed.jsonl"

    # ------------------------------------------------------------------ webhook side

    def append(self, sms: object, received_at: datetime) -> None:
        """Keep one text durably (written and fsynced before returning). `sms` is an InboundSms."""
        record = {**asdict(sms), "received_at": received_at.isoformat()}
        self._append_line(self.path, json.dumps(record, ensure_ascii=False))

    def pending(self) -> bool:
        """Texts wait here (a stat and a listing: cheap enough for every webhook)."""
        # An unusable spool (not a directory, unreadable) reads as empty: the database is tried first.
        try:
            if self.path.stat().st_size > 0:
                return True
        except FileNotFoundError:
            pass  # none yet, or just taken by a drain: its batch is a .draining file
        except OSError:
            return False
        try:
            return any(self.directory.glob("inbound.*.draining"))
        except OSError:
            return False

    # ------------------------------------------------------------------ drain side

    def drain(self, accept_line: object) -> DrainReport:
        """Feed every spooled text, oldest first, to `accept_line(sms_fields, received_at) -> Accepted`.
        One drainer at a time per directory (another process's drain in progress: nothing to do)."""
        report = DrainReport()
        if not self.directory.is_dir():
            return report
        with self._flock("drain.lock", blocking=False) as mine:
            if not mine:
                return report
            with self._flock("inbound.lock"):
                if self.path.exists():
                    os.replace(self.path, self.directory / f"inbound.{time.time_ns()}.draining")
            for batch in sorted(self.directory.glob("inbound.*.draining")):
                if not self._drain_file(batch, accept_line, report):
                    report.waiting = True
                    break
                batch.unlink()
        return report

    def _drain_file(self, batch: Path, accept_line: object, report: DrainReport) -> bool:
        for line in batch.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                received_at = datetime.fromisoformat(record.pop("received_at"))
            except (ValueError, KeyError, TypeError, AttributeError):
                report.unreadable += 1
                continue
            try:
                outcome = accept_line(record, received_at)
            except TRANSIENT as exc:
                log.warning("spool drain paused: database unavailable (%s)", type(exc).__name__)
                return False
            except Exception as exc:  # noqa: BLE001 - one bad line must not hold up every later text
                log.error("spooled text could not be queued (%s): kept in %s for a person",
                          type(exc).__name__, self.failed_path.name)
                self._append_line(self.failed_path, line)
                report.failed += 1
                continue
            counter = {"queued": "queued", "duplicate": "duplicates"}.get(str(outcome), "unrouted")
            setattr(report, counter, getattr(report, counter) + 1)
        return True

    # ------------------------------------------------------------------ files

    def _append_line(self, path: Path, line: str) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = (line + "\n").encode("utf-8")
        with self._flock("inbound.lock"):
            created = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:  # the new file's directory entry must survive a crash too
                dir_fd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)

    @contextmanager
    def _flock(self, name: str, *, blocking: bool = True) -> Iterator[bool]:
        """An flock on a lock file: excludes other processes and, opened anew each time, other threads."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.directory / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
