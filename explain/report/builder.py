"""A report you can send: one HTML file with the digit, the prediction, the chosen maps with their colour
bars, the score card, the settings, the maps' fingerprint and the command that reproduces it. Plotly's
JavaScript is inlined once and nothing else is linked: it opens offline and asks no host for anything."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import shlex
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from explain.core import as_input
from explain.figures.house import FONT
from explain.figures.maps import Panel, maps_figure
from explain.figures.results import display_name, map_kind, methods_figure
from explain.fingerprint import fingerprint
from explain.notebook import explain_methods
from explain.registry import get_method
from explain.types import Contrast, Target
from model.digests import input_digest

PIXELS_FILE = "digit.npy"  # the report's own copy of the input, for `--pixels`


@dataclass(frozen=True)
class ReportRequest:
    """What a report explains: one digit, the methods, the target and seed, and where the digit came from."""

    x: np.ndarray  # (28, 28) pixels in [0, 1]
    methods: tuple[str, ...]
    target: Target = None
    seed: int = 0
    index: int | None = None  # a test digit's index (None: drawn or uploaded; the report carries its pixels)
    true_label: int | None = None
    model_name: str = "bundled"
    source: str = "Digit Lens"  # the page or command that made it
    scores: bool = True  # the score card (a second explain per method, plus the controls)
    params: dict[str, dict] = field(default_factory=dict)  # method → non-default parameters
    replacement: str = "mean"  # what a deleted pixel becomes in the score card
    extra: dict[str, str] = field(default_factory=dict)  # more settings to list

    def __post_init__(self) -> None:
        if not self.methods:
            raise ValueError("a report needs at least one method")
        for m in self.methods:
            get_method(m)
        if self.index is not None and not 0 <= self.index < 10_000:
            raise ValueError(f"index must be a test digit 0–9999, got {self.index}")
        for m, p in self.params.items():
            if m not in self.methods:
                raise ValueError(f"parameters for {m!r}, which is not among the methods {list(self.methods)}")
            get_method(m).params.from_dict(p)
        from explain.evaluation.metrics import REPLACEMENTS

        if self.replacement not in REPLACEMENTS:
            raise ValueError(f"replacement must be one of {list(REPLACEMENTS)}, got {self.replacement!r}")


def _target_arg(target: Target) -> str:
    if target is None:
        return "predicted"
    return f"{target.a},{target.b}" if isinstance(target, Contrast) else str(target)


def reproduce_command(req: ReportRequest, out: str = "report.html") -> str:
    """The CLI line that writes this report again (for a drawn digit, from the pixels the report carries)."""
    where = ["--index", str(req.index)] if req.index is not None else ["--pixels", PIXELS_FILE]
    parts = ["python", "-m", "explain", "report", *where, "--methods", ",".join(req.methods),
             "--target", _target_arg(req.target), "--seed", str(req.seed)]
    if req.params:
        parts += ["--params", ",".join(f"{m}.{k}={v}" for m, kv in req.params.items() for k, v in kv.items())]
    if req.replacement != "mean":
        parts += ["--replacement", req.replacement]
    if not req.scores:
        parts.append("--no-scores")
    return shlex.join([*parts, "--out", out])


def _probabilities_figure(probs: np.ndarray, predicted: int) -> go.Figure:
    colours = ["#b2182b" if d == predicted else "#9e9e9e" for d in range(10)]
    fig = go.Figure(go.Bar(x=[str(d) for d in range(10)], y=probs, marker_color=colours,
                           hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(title="Prediction", height=260, margin=dict(l=48, r=8, t=40, b=40), font_size=FONT)
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="probability", range=[0, 1], tickformat=".0%")
    return fig


def _npy_data_url(x: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(x, dtype=np.float32).reshape(28, 28), allow_pickle=False)
    return "data:application/octet-stream;base64," + base64.b64encode(buf.getvalue()).decode()


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) \
        + "</table>"


STYLE = """body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 12px;color:#222}
h1{font-size:26px}h2{font-size:19px;margin-top:28px}table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}code,pre{background:#f4f4f4;padding:2px 4px}
pre{padding:8px;white-space:pre-wrap;word-break:break-all}.row{display:flex;flex-wrap:wrap;gap:12px}
.row>div{flex:1 1 320px;min-width:0}.scroll{overflow-x:auto}"""


def build_report(model: nn.Module, req: ReportRequest) -> str:
    """The whole report as one HTML string (about 4.5 MB: plotly.js is most of it)."""
    from plotly.offline import get_plotlyjs

    from explain.evaluation.scorecard import score_card

    xt = as_input(req.x)
    x = xt.numpy().reshape(28, 28)
    with torch.no_grad():
        probs = torch.softmax(model(xt), dim=1)[0].numpy()
    predicted = int(probs.argmax())
    done = explain_methods(model, xt, list(req.methods), req.target, req.seed, req.params)
    explained = next(iter(done.values())).target
    figures: list[tuple[str, go.Figure]] = [
        ("digit", maps_figure([Panel("the 28×28 input", x, "digit")], cols=1, px=260)),
        ("prediction", _probabilities_figure(probs, predicted)),
        ("maps", methods_figure({m: a.values for m, a in done.items()}, {m: map_kind(a.params) for m, a in done.items()},
                                None, cols=min(4, len(done)), title=f"Maps of class {explained}")),
    ]
    card_html = ""
    if req.scores:
        # The score card scores each method with its defaults (as Evaluate does), whatever the maps above used.
        card = score_card(model, xt, list(req.methods), req.replacement, seed=req.seed)
        figures += [("deletion", card.figure("deletion")), ("insertion", card.figure("insertion"))]
        errors = "".join(f"<p>{html.escape(display_name(n))} failed: {html.escape(e)}</p>" for n, e in card.errors.items())
        card_html = f'<div class="scroll">{card.table_html()}</div>' + errors
    divs = {name: fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{name}",
                              config={"displaylogo": False, "responsive": True})
            for name, fig in figures}
    what = "the predicted class" if req.target is None else f"target {_target_arg(req.target)}"
    source = f"test digit #{req.index}" if req.index is not None else "a drawn or uploaded digit"
    settings = [
        ("input", source + (f" (label {req.true_label})" if req.true_label is not None else "")),
        ("input digest", input_digest(x)), ("model", req.model_name),
        ("prediction", f"{predicted} ({probs[predicted]:.1%})"), ("explained", f"{what}: class {explained}"),
        ("methods", ", ".join(display_name(m) for m in req.methods)), ("seed", str(req.seed)),
        ("score card: deleted pixels become", req.replacement if req.scores else "no score card"),
        *[(f"{display_name(m)} parameters", ", ".join(f"{k} = {v}" for k, v in a.params.items()) or "defaults")
          for m, a in done.items()],
        *req.extra.items(),
        ("made by", f"{req.source}, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"),
    ]
    pixels = ("" if req.index is not None else
              f'<p>This digit\'s pixels: <a download="{PIXELS_FILE}" href="{_npy_data_url(x)}">{PIXELS_FILE}</a> '
              "(save it beside you to run the command).</p>")
    runtime = ", ".join(f"{display_name(m)} {a.runtime_ms:.1f} ms" for m, a in done.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Digit Lens report: {html.escape(source)}</title><style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head>
<body>
<h1>Digit Lens report</h1>
<p>{html.escape(source.capitalize())}: the model says <b>{predicted}</b> ({probs[predicted]:.1%}). The maps explain
{html.escape(what)} (class {explained}): red pixels push its score up, blue ones push it down.</p>
<div class="row"><div>{divs['digit']}</div><div>{divs['prediction']}</div></div>
<h2>Attribution maps</h2>
{divs['maps']}
<p>Fingerprint of these maps: <code>{fingerprint(done)}</code> (input <code>{input_digest(x)}</code>). Run times: {html.escape(runtime)}.</p>
{"<h2>Score card</h2>" + card_html + '<div class="row"><div>' + divs['deletion'] + '</div><div>' + divs['insertion'] + "</div></div>" if req.scores else ""}
<h2>Settings</h2>
{_table(settings)}
<h2>Reproduce</h2>
<pre>{html.escape(reproduce_command(req))}</pre>
{pixels}
</body></html>
"""
