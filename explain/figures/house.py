"""The house palette as Plotly scales, from the one definition in model.constants (app/figures/palette.py
builds the same scale there: app/ must load it before plotly, and explain/ cannot import app/)."""

from __future__ import annotations

from model.constants import DIVERGING_STOPS

DIVERGING = [[k / (len(DIVERGING_STOPS) - 1), "#{:02x}{:02x}{:02x}".format(*rgb)]
             for k, rgb in enumerate(DIVERGING_STOPS)]
SEQUENTIAL = [[0.0, "#f7f7f7"], [0.5, "#f4a582"], [1.0, "#67001f"]]  # unsigned strengths: white to the red end
GREYS = [[0.0, "#000000"], [1.0, "#ffffff"]]  # pixels as MNIST draws them: black background, white ink
FONT = 12  # px: every figure's text (the house minimum is 11)
