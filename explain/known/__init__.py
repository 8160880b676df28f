"""Explanations against a known answer: a planted shortcut the model is known to use (scores.py), and
concepts tested with TCAV (tcav.py). No Streamlit here."""
