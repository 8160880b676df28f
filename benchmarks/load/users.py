"""Locust users that speak Streamlit's protocol (protocol.py): people drawing, and people browsing.

Each user fires Locust `request` events (so Locust keeps the counts and percentiles):
- "draw" / "pen-up → answer": the pen lifts (the final update leaves at once, as pad.js sends it) → the
  answer to that drawing is on the page (prediction and the full maps, acknowledged by the pad);
- "draw" / "preview → answer": an update sent while drawing → its answer (prediction and preview maps);
- "page" / "open <page>" and "setting" / "<page>": a page opened, a setting changed → its run finished.
A draw event's `context` carries the shape, the input digest the client expects, and what the server
showed (its input digest and the maps' fingerprint): `identical` is computed from those.
"""

from __future__ import annotations

import random
import time

from locust import User, between, task

from app.components.drawing_pad.payload import encode
from benchmarks.load.protocol import Answer, StreamlitSession
from benchmarks.load.shapes import SHAPES, ink, stroke_lists
from model.digests import input_digest
from model.preprocess import preprocess

TICK_S = 0.25  # the pace of a drawing's updates (the pad itself sends at most every 100 ms)
PREVIEWS = (0.25, 0.5, 0.75)  # how far through the digit each preview is: the pen lifts after 4 ticks
SHARED = 0.25  # the share of drawings that are one of the plain shapes (the same input in many sessions)
ANSWER_TIMEOUT_S = 60.0
PAGES = ("explore", "compare", "evaluate", "whatif", "map")


def expected_digest(shape: str, fraction: float, variant: int) -> str:
    steps = preprocess(ink(shape, fraction, variant))
    return input_digest(steps.centred)


class StreamlitUser(User):
    """A user with a websocket session; `fire` reports one timed step to Locust."""

    abstract = True
    session: StreamlitSession

    def fire(self, kind: str, name: str, started: float, error: str | None = None, **context) -> None:
        self.environment.events.request.fire(
            request_type=kind, name=name, response_time=(time.perf_counter() - started) * 1000, response_length=0,
            exception=RuntimeError(error) if error else None, context=context)

    def open(self, page: str) -> bool:
        t = time.perf_counter()
        try:
            self.session.open(page)
        except (TimeoutError, ConnectionError, OSError) as exc:
            self.fire("page", f"open {page}", t, f"{type(exc).__name__}: {exc}")
            return False
        self.fire("page", f"open {page}", t)
        return True

    def on_stop(self) -> None:
        if getattr(self, "session", None):
            self.session.close()


class DrawingUser(StreamlitUser):
    """Opens Draw, draws a digit as pad updates, reads the answer, pauses, draws again."""

    abstract = True  # the runner makes a concrete subclass with the head count (fixed_count)
    wait_time = between(1.0, 2.0)  # reading the answer before the next digit

    def on_start(self) -> None:
        self.session = StreamlitSession(self.host, ANSWER_TIMEOUT_S)
        self.seq = 0
        self.drawn = 0
        self.rng = random.Random(id(self))
        self.open("draw")

    def _send(self, shape: str, fraction: float, variant: int, final: bool) -> int:
        self.seq += 1
        payload = encode(ink(shape, fraction, variant), self.seq, final)
        payload["strokes"] = stroke_lists(shape, fraction, variant)
        self.session.send_drawing(payload)
        return self.seq

    def _report(self, name: str, seq: int, started: float, answer: Answer, shape: str, fraction: float,
                variant: int, final: bool) -> None:
        expected = expected_digest(shape, fraction, variant)
        error = "; ".join(answer.errors) or None
        if error is None and not (answer.prediction and answer.fingerprint):
            error = f"answer without {'prediction' if not answer.prediction else 'maps'}"
        self.environment.events.request.fire(
            request_type="draw", name=name, response_time=(answer.at - started) * 1000, response_length=0,
            exception=RuntimeError(error) if error else None,
            context={"shape": shape, "final": final, "expected_input": expected, "input": answer.input_digest,
                     "fingerprint": answer.fingerprint, "prediction": answer.prediction, "seq": seq})

    @task
    def draw_digit(self) -> None:
        self.drawn += 1
        shape = self.rng.choice(list(SHAPES))
        variant = 0 if self.rng.random() < SHARED else self.rng.getrandbits(40) + 1
        inflight: tuple[int, float, float] | None = None  # (seq, sent at, fraction)
        try:
            for fraction in PREVIEWS:
                time.sleep(TICK_S)
                if inflight and not self.session.answered(inflight[0]):
                    continue  # the pad waits for the last answer before sending the next update
                if inflight:
                    self._preview_answered(inflight, shape, variant)
                inflight = (self._send(shape, fraction, variant, False), time.perf_counter(), fraction)
            time.sleep(TICK_S)
            up = time.perf_counter()  # pen-up: the final update leaves at once
            seq = self._send(shape, 1.0, variant, True)
            answer = self.session.answer(seq, ANSWER_TIMEOUT_S)
            if inflight and inflight[0] < seq:
                self._preview_answered(inflight, shape, variant)
            self._report("pen-up → answer", seq, up, answer, shape, 1.0, variant, True)
        except (TimeoutError, ConnectionError, OSError) as exc:
            self.fire("draw", "pen-up → answer", time.perf_counter(), f"{type(exc).__name__}: {exc}")
            if self.session.closed:  # a new session, as a reloaded page would be
                self.session.close()
                self.on_start()

    def _preview_answered(self, inflight: tuple[int, float, float], shape: str, variant: int) -> None:
        """A preview counts once it was answered by its own run (not replaced by a later update)."""
        seq, sent, fraction = inflight
        answer = self.session.answer(seq, ANSWER_TIMEOUT_S)
        if answer.seq == seq:
            self._report("preview → answer", seq, sent, answer, shape, fraction, variant, False)


class BrowsingUser(StreamlitUser):
    """Opens one of the other pages, changes one of its settings, moves on."""

    abstract = True
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        self.session = StreamlitSession(self.host, ANSWER_TIMEOUT_S * 2)
        self.rng = random.Random(id(self))

    @task
    def browse(self) -> None:
        page = self.rng.choice(PAGES)
        if not self.open(page):
            return
        choices = [w for w in self.session.widgets.values()
                   if w.kind in ("radio", "selectbox") and len(w.options) > 1]
        if not choices:
            return
        w = self.rng.choice(choices)
        value = self.rng.choice([o for o in w.options if o != w.value] or w.options)
        t = time.perf_counter()
        try:
            self.session.wait_finished(self.session.set_widget(w.key, "string_value", value))
        except (TimeoutError, ConnectionError, OSError) as exc:
            self.fire("setting", page, t, f"{type(exc).__name__}: {exc}")
            return
        self.fire("setting", page, t)
