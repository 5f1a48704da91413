"""A per-document time limit for pure-Python work, where the platform allows one.

SIGALRM interrupts Python code between bytecodes, so a runaway pass in ftfy, langdetect or a
detector turns into an error record. It needs the main thread of a process (the worker processes
provide that); elsewhere it is a no-op, and the flow's watchdog kills the whole worker instead.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentTimeout(Exception):
    """A document took longer than the per-document limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise DocumentTimeout(f"took longer than the per-document limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
