"""Each private Streamlit API that app/streamlit_private.py uses still exists where we reach it, and the
start-up reports a failing step instead of swallowing it."""

from __future__ import annotations

import inspect
import logging

from app.startup import Startup


def test_runtime_states_we_read_exist():
    from streamlit import runtime
    from streamlit.runtime.runtime import Runtime, RuntimeState

    assert {"INITIAL", "NO_SESSIONS_CONNECTED"} <= set(RuntimeState.__members__)
    assert callable(runtime.exists) and callable(runtime.get_instance)
    assert "state" in dir(Runtime) and callable(Runtime.is_active_session)


def test_the_session_check_outside_a_server_is_always_alive():
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from app.streamlit_private import session_alive_check

    assert get_script_run_ctx(suppress_warning=True) is None
    assert session_alive_check()() is True


def test_the_component_scan_we_skip_is_where_we_replace_it():
    from streamlit.components.v2 import component_manager, manifest_scanner

    assert callable(manifest_scanner.scan_component_manifests)
    assert "scan_component_manifests()" in inspect.getsource(component_manager)


def test_a_failing_start_up_step_is_logged_and_kept_and_the_next_runs(caplog):
    s = Startup()
    ran: list[str] = []
    with caplog.at_level(logging.ERROR, logger="digit_lens.startup"):
        s.step("broken", lambda: 1 / 0)
        s.step("next", lambda: ran.append("next"))
    phase, failures = s.snapshot()
    assert ran == ["next"] and failures == ["broken: ZeroDivisionError: division by zero"]
    assert "start-up step 'broken' failed" in caplog.text
