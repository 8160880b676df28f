"""Every private Streamlit API the app uses, in one place; tests/test_streamlit_private.py fails loudly
when one of them moves (pyproject pins streamlit below its next major for the same reason)."""

from __future__ import annotations

from collections.abc import Callable


def runtime_started() -> bool:
    """The server's runtime exists and has left its initial state."""
    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    return runtime.exists() and runtime.get_instance().state != RuntimeState.INITIAL


def runtime_idle() -> bool:
    """The server is up and no browser session is connected."""
    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    return runtime.get_instance().state == RuntimeState.NO_SESSIONS_CONNECTED


def session_alive_check() -> Callable[[], bool]:
    """For a background job: is the browser session that started it still connected? Asks the runtime
    (thread-safe) by session id; outside a running server (AppTest, a notebook) the answer is always yes."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return lambda: True
    rt, session_id = runtime.get_instance(), ctx.session_id
    return lambda: rt.is_active_session(session_id)


def skip_component_scan() -> None:
    """Streamlit's runtime reads the metadata of every installed distribution at start-up, looking for
    packaged Custom Components (0.5–0.7 s of the start here, ~100 distributions). Ours are inline
    (app/components/base.py) and we install no packaged one, so our launcher skips that scan; `streamlit run`
    still does it."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = lambda *args, **kwargs: []
