"""One simulated browser: Streamlit's own websocket protocol (BackMsg out, ForwardMsg in), no browser.

What the frontend does, reduced to what Digit Lens needs (frontend App.tsx `sendRerunBackMsg`, the
widget manager): open a page with a `rerun_script` naming the page, then on every widget change send
another `rerun_script` carrying the widget states the session has set (the server keeps the others),
the page's script hash, and the fragment id when the widget lives in a fragment. Our pad's widget is a
Custom Components v2 widget whose state travels as `json_value` = {"drawing": <what pad.js sends>}.

A reader thread (a greenlet under Locust's gevent) parses every ForwardMsg. Everything the server sends
between two pad elements, or after a script_finished, belongs to one run: the pad is mounted last in
Draw's fragment and its data carries `ack` = the last update that run answered, so the pad's element
closes the answer to every update up to `ack`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINGERPRINT = re.compile(r"Fingerprint of these maps: `(\w+)`(?: \(input `(\w+)`\))?")
PAD_SUFFIX = "-pad"  # the pad's widget id ends with its key (app/components/drawing_pad)
ERROR_ALERT = 1  # Alert.Format.ERROR


@dataclass
class Answer:
    """What one run showed: the prediction, the maps' fingerprint, the input digest the server printed
    beside it, and anything that looked like an error."""

    prediction: str | None = None
    fingerprint: str | None = None
    input_digest: str | None = None
    caption: str = ""  # the caption the fingerprint is in (what the maps explain, on which colour scale)
    errors: list[str] = field(default_factory=list)
    at: float = 0.0  # time.perf_counter() when the pad's acknowledgement arrived
    seq: int = 0  # the update this run answered (its pad's `ack`); earlier unanswered ones were replaced


@dataclass
class Widget:
    key: str
    id: str
    kind: str  # the element type: radio, selectbox, bidi_component, ...
    fragment_id: str
    options: list[str] = field(default_factory=list)
    value: str | None = None


class StreamlitSession:
    """A websocket session with a Streamlit server; thread-safe waits on runs and pad answers."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout_s = timeout_s
        self.ws = websocket.create_connection(self.url, subprotocols=["streamlit"], timeout=timeout_s,
                                              enable_multithread=True)
        self.base_url = base_url.rstrip("/")
        self.page_hash = ""
        self.session_id = ""
        self._file_urls: dict[str, Any] = {}  # request id → FileURLs, as the server answers
        self.widgets: dict[str, Widget] = {}  # by key (the id's suffix after the last '-')
        self.states: dict[str, Any] = {}  # widget id → (value kind, value) the session has set
        self._cond = threading.Condition()
        self._finished = 0  # script_finished messages so far
        self._answers: dict[int, Answer] = {}  # pad seq → the answer that acknowledged it
        self._acked = 0
        self._run = Answer()
        self.closed: str | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- sending -------------------------------------------------------------------------------------
    def _send(self, page_name: str = "", fragment_id: str = "") -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_script_hash, cs.page_name, cs.fragment_id = (self.page_hash if not page_name else ""), page_name, fragment_id
        for wid, (kind, value) in self.states.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            if hasattr(value, "CopyFrom"):  # a message-valued state (an uploader's files, a string array)
                getattr(w, kind).CopyFrom(value)
            else:
                setattr(w, kind, value)
        self.ws.send_binary(msg.SerializeToString())

    def open(self, page: str) -> float:
        """Open a page (as a first visit or a link would) and wait for its run to finish; seconds taken."""
        with self._cond:
            self.states.clear()
            self.widgets.clear()
            done = self._finished
        t = time.perf_counter()
        self._send(page_name=page)
        self.wait_finished(done)
        return time.perf_counter() - t

    def set_widget(self, key: str, kind: str, value: Any) -> int:
        """Change one widget (by key) and send the rerun; returns the finished-run count to wait past."""
        w = self.widgets[key]
        with self._cond:
            self.states[w.id] = (kind, value)
            done = self._finished
        self._send(fragment_id=w.fragment_id)
        return done

    def send_drawing(self, payload: dict) -> None:
        """The pad's update (payload.encode's dict, with its seq), as pad.js's setStateValue sends it."""
        self.set_widget("pad", "json_value", json.dumps({"drawing": payload}, separators=(",", ":")))

    def upload(self, key: str, name: str, data: bytes) -> int:
        """Upload a file into the file_uploader `key` as the frontend does (ask for an upload URL over the
        websocket, PUT the file with the XSRF token from the cookie, then send the uploader's new state);
        returns the finished-run count to wait past."""
        import http.cookiejar
        import urllib.request
        import uuid

        from streamlit.proto.WidgetStates_pb2 import WidgetState

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{self.base_url}/_stcore/health", timeout=self.timeout_s).read()  # sets the XSRF cookie
        xsrf = next((c.value for c in jar if c.name == "_streamlit_xsrf"), "")
        request_id = uuid.uuid4().hex
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        self.ws.send_binary(msg.SerializeToString())
        with self._cond:
            if not self._cond.wait_for(lambda: request_id in self._file_urls or self.closed, self.timeout_s):
                raise TimeoutError("no upload URL from the server")
            urls = self._file_urls.pop(request_id, None)
        if urls is None or isinstance(urls, str):
            raise ConnectionError(f"no upload URL: {urls or self.closed}")
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        url = urls.upload_url if urls.upload_url.startswith("http") else self.base_url + urls.upload_url
        put = urllib.request.Request(url, data=body, method="PUT", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": xsrf})
        opener.open(put, timeout=self.timeout_s).read()
        state = WidgetState()
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        return self.set_widget(key, "file_uploader_state_value", state.file_uploader_state_value)

    # -- waiting -------------------------------------------------------------------------------------
    def wait_finished(self, after: int) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._finished > after or self.closed, self.timeout_s):
                raise TimeoutError(f"no script_finished within {self.timeout_s:.0f} s")
        if self.closed:
            raise ConnectionError(self.closed)

    def answer(self, seq: int, timeout_s: float | None = None) -> Answer:
        """The answer to pad update `seq` (waits for it)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._acked >= seq or self.closed, timeout_s or self.timeout_s):
                raise TimeoutError(f"pad update {seq} not answered within {timeout_s or self.timeout_s:.0f} s")
            if self._acked < seq:
                raise ConnectionError(self.closed)
            return self._answers[seq]

    def answered(self, seq: int) -> bool:
        with self._cond:
            return self._acked >= seq

    def close(self) -> None:
        self.closed = self.closed or "closed by the client"
        try:
            self.ws.close()
        except OSError:
            pass

    # -- reading -------------------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(self.ws.recv())
                self._handle(msg)
        except Exception as exc:  # noqa: BLE001 - any end of the stream ends the session's waits
            with self._cond:
                self.closed = self.closed or f"{type(exc).__name__}: {exc}"
                self._cond.notify_all()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "navigation":  # an st.navigation app: the page that ran (new_session names the main script)
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "file_urls_response":
            with self._cond:
                r = msg.file_urls_response
                self._file_urls[r.response_id] = r.file_urls[0] if r.file_urls else r.error_msg
                self._cond.notify_all()
        elif kind == "script_finished":
            with self._cond:
                self._finished += 1
                self._run = Answer()
                self._cond.notify_all()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, msg.delta.fragment_id)

    def _element(self, el, fragment_id: str) -> None:
        kind = el.WhichOneof("type")
        body = getattr(el, kind)
        if kind in ("radio", "selectbox", "bidi_component", "multiselect", "checkbox", "file_uploader"):
            key = body.id.split("-", 2)[-1]  # "$$ID-<hash>-<key>"
            options = list(getattr(body, "options", []))
            default = getattr(body, "default", None)
            value = options[default] if isinstance(default, int) and 0 <= default < len(options) else None
            self.widgets[key] = Widget(key, body.id, kind, fragment_id, options, value)
        if kind == "markdown" and (m := FINGERPRINT.search(body.body)):
            self._run.fingerprint, self._run.input_digest, self._run.caption = m.group(1), m.group(2), body.body
        elif kind == "metric" and body.label == "Prediction":
            self._run.prediction = body.body
        elif kind == "exception":
            self._run.errors.append(f"exception: {body.type}: {body.message[:200]}")
        elif kind == "alert" and body.format == ERROR_ALERT:
            self._run.errors.append(f"error shown: {body.body[:200]}")
        elif kind == "bidi_component" and body.id.endswith(PAD_SUFFIX):
            ack = int(json.loads(body.bytes or b"{}").get("ack", 0))
            with self._cond:
                run, self._run = self._run, Answer()
                run.at, run.seq = time.perf_counter(), ack
                for seq in range(self._acked + 1, ack + 1):
                    self._answers[seq] = run
                self._acked = max(self._acked, ack)
                self._cond.notify_all()
