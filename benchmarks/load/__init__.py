"""The load harness: simulated users speaking Streamlit's websocket protocol, driven by Locust.

`python -m benchmarks.load --users N --seconds S --json`: see __main__.py. protocol.py is one simulated
browser, shapes.py the digits they draw, users.py the Locust users, browsers.py a few real Chromium
sessions to run beside them (the cross-check that the harness measures what people feel).
"""
