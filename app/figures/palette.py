"""Blue negative, white zero, red positive: one scale for every signed map in the app (the PNG exports'
palette, model.constants) as a Plotly colour scale; RED and BLUE for bars and markers. No plotly import:
the first page's probability bars use it before torch and plotly load."""

from __future__ import annotations

from model.constants import DIVERGING_STOPS

DIVERGING = [[k / (len(DIVERGING_STOPS) - 1), "#{:02x}{:02x}{:02x}".format(*rgb)]
             for k, rgb in enumerate(DIVERGING_STOPS)]
BLUE, RED = DIVERGING[1][1], DIVERGING[5][1]
