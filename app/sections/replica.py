"""Behind deploy/'s nginx (several app processes): tell a visitor whose replica stopped that they were moved.

nginx sets the cookie dl_replica to the replica that served the page itself (not on the websocket or its
health checks); a replica started by deploy/replicas.py or docker-compose knows its own address as nginx
sees it (DIGIT_LENS_REPLICA). A session whose page came from another replica began here after that one
stopped: its drawing and models stayed with it.
"""

from __future__ import annotations

import os

import streamlit as st

MOVED = ("The server that held your session stopped, so you were reconnected to another one and start "
         "afresh: your drawing, uploads and trained models of that session are gone. Reload the page to "
         "continue here.")


def moved_notice() -> None:
    here = os.environ.get("DIGIT_LENS_REPLICA")
    if not here:  # one process, no nginx: nothing to say
        return
    before = st.context.cookies.get("dl_replica")
    if before and before != here:
        st.warning(MOVED, icon=":material/sync_problem:")
