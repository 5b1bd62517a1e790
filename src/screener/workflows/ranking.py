"""The relevance ranker in a process of its own, so that its work never holds the UI's interpreter lock.

The screening screen starts one per session (``python -m screener.workflows.ranking``), sends it
the records' texts once, then a request per retraining; requests and answers are pickles
over the child's stdin and stdout (a plain pipe: no multiprocessing machinery, which does
not work under a terminal app that has replaced ``sys.stderr``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

import numpy as np

from screener.core.ranking import Ranker, Ranking


class RankerProcess:
    """A client for one ranker process; call from one thread at a time."""

    def __init__(self, texts: Sequence[str], seed: int) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "screener.workflows.ranking"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._lock = threading.Lock()
        self._send(("init", list(texts), seed))

    def _send(self, message: Any) -> None:
        assert self._proc.stdin is not None
        pickle.dump(message, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.flush()

    def rank(
        self,
        labelled: Mapping[int, bool],
        candidates: Sequence[int] | np.ndarray,
        include_words: Sequence[str],
        exclude_words: Sequence[str],
    ) -> Ranking:
        """The ranking of ``candidates``; its order and scores arrive as numpy arrays.

        Arrays cross the pipe as one block of bytes each: a list of 100,000 numbers would hold
        this process's interpreter lock (and so the UI) while it is pickled or unpickled.
        """
        with self._lock:
            try:
                self._send(
                    (
                        "rank",
                        dict(labelled),
                        np.asarray(candidates, dtype=np.int64),
                        list(include_words),
                        list(exclude_words),
                    )
                )
                assert self._proc.stdout is not None
                status, value = pickle.load(self._proc.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                raise RuntimeError(
                    f"the ranker process stopped (exit code {self._proc.poll()}): {exc}"
                ) from None
        if status != "ok":
            raise RuntimeError(f"the ranker failed: {value}")
        return value

    def close(self) -> None:
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


def serve() -> None:
    """The child's loop: build the ranker from the first message, then answer each request.

    It runs at a lower priority than the screen that started it: when the machine is busy,
    the reviewer's keys come first and the retraining waits.
    """
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(5)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        _, texts, seed = pickle.load(inp)
    except EOFError:
        return
    ranker = Ranker(texts, seed)
    while True:
        try:
            _, labelled, candidates, include, exclude = pickle.load(inp)
        except EOFError:
            return
        try:
            r = ranker.rank(labelled, candidates, include, exclude)
            answer: tuple[str, Any] = (
                "ok",
                # Arrays cross the pipe as one buffer each; numpy's stubs do not make an
                # ndarray a Sequence, which it is at run time for Ranking's readers.
                replace(
                    r,
                    order=cast("Sequence[int]", np.asarray(r.order, dtype=np.int64)),
                    scores=None if r.scores is None else cast("Sequence[float]", np.asarray(r.scores)),
                ),
            )
        except Exception as exc:  # reported to the screen, which keeps its order
            answer = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


if __name__ == "__main__":
    serve()
