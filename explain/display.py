"""Results that draw themselves in a notebook: Jupyter shows `figure()`, the Plotly figure the app draws."""

from __future__ import annotations

from typing import Any


class ShowsFigure:
    """Mixin: `figure()` builds the Plotly figure; Jupyter (`_repr_mimebundle_`) and tools that read HTML
    (`_repr_html_`) get what plotly itself gives for that figure, so it renders the way any Plotly figure
    does in that front end (offline: plotly's notebook renderers carry their own plotly.js)."""

    def figure(self, *args: Any, **kwargs: Any):  # pragma: no cover - every user defines it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.figure()._repr_html_()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        return self.figure()._repr_mimebundle_(include, exclude, **kwargs)
