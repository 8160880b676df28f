"""The one importer: a page waits for the group it needs, never behind a lock held for another group."""

from __future__ import annotations

import threading
import time

import pytest

from explain import imports


@pytest.fixture
def groups(monkeypatch):
    """Two fake groups of cheap stdlib modules, in place of the real (slow) ones."""
    monkeypatch.setattr(imports, "IMPORT_GROUPS", {"slow": ("json",), "needed": ("csv",)})
    monkeypatch.setattr(imports, "_DONE", {"slow": threading.Event(), "needed": threading.Event()})


def _hold_lock(seconds: float, first=lambda: None) -> threading.Thread:
    """Another thread importing: `first`, then something else for `seconds` (it holds the one import lock)."""
    held = threading.Event()

    def run():
        with imports.IMPORT_LOCK:
            held.set()
            first()
            time.sleep(seconds)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    held.wait()
    return thread


@pytest.mark.slow
def test_a_finished_group_does_not_wait_for_the_lock(groups):
    imports.ensure_imported("needed")
    assert imports.imported("needed") and not imports.imported()
    holder = _hold_lock(3.0)
    start = time.perf_counter()
    imports.ensure_imported("needed")
    assert time.perf_counter() - start < 0.5  # not the 3 s the other import holds the lock
    holder.join()


@pytest.mark.slow
def test_a_waiter_returns_when_its_group_is_done_not_when_the_lock_is_free(groups):
    def import_needed():  # what the background importer does between groups, without letting go of the lock
        time.sleep(0.3)
        imports._DONE["needed"].set()

    start = time.perf_counter()
    holder = _hold_lock(3.0, first=import_needed)
    imports.ensure_imported("needed")
    waited = time.perf_counter() - start
    assert 0.25 < waited < 1.5 and holder.is_alive()  # it waited for the group, not for the free lock (3.3 s)
    holder.join()


def test_a_free_lock_imports_the_group_and_bad_names_are_value_errors(groups):
    imports.ensure_imported("slow")
    assert imports.imported("slow")
    with pytest.raises(ValueError, match="unknown import group 'nope'"):
        imports.ensure_imported("nope")
