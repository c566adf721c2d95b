"""Standard output that may fail: one rule for every command.

A command's result (its `--json` object, its table, its findings) goes to standard output.
When that cannot be written, the command never ends with exit 0, and never with a code
that says nothing happened when something did:

- standard output closed (`>&-`): nothing is done at all, exit 2 (`closed_stdout`);
- writing fails on the way (a full disk, `/dev/full`, a pipe whose reader has gone): the
  command still finishes its work (an update half-reported is still applied whole), then
  ends with exit 3 (OUTPUT_LOST) if its outcome was 0, or keeps its own 1 or 2; stderr
  says what was done and that the report was lost (`lost_message`).

`StdoutGuard` stands in for `sys.stdout` while a command runs: the first failed write or
flush is recorded (later output is dropped), so a failure to report never interrupts the
work half way, and never ends in a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

OUTPUT_LOST = 3


class StdoutGuard:
    """A text stream over `stream` that records its first OSError instead of raising."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.error: OSError | None = None

    def _failed(self, exc: OSError) -> None:
        self.error = exc
        # What is still buffered would fail again at exit; let it go to /dev/null.
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            with contextlib.suppress(OSError, ValueError):
                os.dup2(null, self.stream.fileno())
            os.close(null)

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                self.stream.write(text)
            except OSError as exc:
                self._failed(exc)
            except ValueError:  # the stream object itself was closed
                self._failed(OSError(errno.EBADF, "standard output is closed"))
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self._failed(exc)
            except ValueError:
                self._failed(OSError(errno.EBADF, "standard output is closed"))

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[StdoutGuard | None]:
    """Run the block with `sys.stdout` guarded (None when there is no standard output)."""
    real = sys.stdout
    if real is None:
        yield None
        return
    guard = StdoutGuard(real)
    sys.stdout = guard
    try:
        yield guard
    finally:
        guard.flush()
        sys.stdout = real


def stdout_closed() -> bool:
    """True when this process has no standard output to write to (checked in-process too:
    `run` may be called with sys.stdout set to None or to a closed stream)."""
    return sys.stdout is None or bool(getattr(sys.stdout, "closed", False))


def _fd_closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def reserve_standard_fds() -> bool:
    """Put /dev/null on standard input, output or error where it is closed, so that no file
    scaffold opens later takes its number (and receives what is meant for it). True when
    standard output was closed."""
    closed_out = _fd_closed(1)
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        if _fd_closed(fd):
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, mode)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
    return closed_out


CLOSED_STDOUT = (
    "standard output is closed, so scaffold could not report what it does; nothing was done. "
    "Run it with standard output open (to a file, a pipe, or >/dev/null to drop the report)"
)


def lost_message(exc: OSError, code: int, done: str) -> str:
    """stderr's line when the result could not be written to standard output."""
    why = exc.strerror or str(exc)
    if code == 0:
        return (
            f"the result could not be written to standard output ({why}); {done}. Exit "
            f"{OUTPUT_LOST}: done, report lost; send standard output somewhere that takes it "
            "(a file on a disk with space, a pipe read to its end)"
        )
    return f"the result could not be written to standard output ({why}); {done}"
