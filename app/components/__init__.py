"""Our Custom Components v2, one package per component (its Python, HTML, CSS and JS side by side).

Empty on purpose: the first Draw page imports its three components before torch is in (app/startup.py),
so importing one component must not import the others (the heatmaps import torch).
"""
