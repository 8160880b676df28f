from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from model.checkpoint import load_checkpoint
from model.data import load_mnist
from model.paths import bundled_checkpoint

# The app computes every page's default view (app.state.default_views) and calls every method once (the warm-up) in the
# background after start-up. The suite's server and AppTests would each pay for that on the two cores the
# tests run on; tests/test_prime.py and tests/test_warmup.py check both. Servers started here inherit this,
# and a training run whose tab closed ends after 2 s, not 15 (tests/test_train_owner.py).
os.environ.setdefault("DIGIT_LENS_PRIME", "0")
os.environ.setdefault("DIGIT_LENS_WARM_UP", "0")
os.environ.setdefault("DIGIT_LENS_OWNER_GRACE_S", "2")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
# Workspaces saved by the app's tests go to a test database, never the user's (model/workspaces/config.py).
os.environ.setdefault("DIGIT_LENS_DATABASE_URL", f"sqlite:///{ARTIFACTS / 'workspaces-test.sqlite3'}")
# Under `make test` two workers share two cores: torch's default of one thread per core in each worker made
# OpenMP's threads wait on each other (a 0.55 s counterfactual test took 39 s). One thread per worker; a test
# about threads sets its own count (and _single_thread_determinism restores it).
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def bundled():
    model, meta = load_checkpoint(bundled_checkpoint())
    model.requires_grad_(False)  # as the app holds it: explainers need input gradients only
    return model, meta


@pytest.fixture(scope="session")
def model(bundled):
    return bundled[0]


@pytest.fixture(scope="session")
def test_split():
    return load_mnist(train=False)


@pytest.fixture(scope="session")
def train_split():
    return load_mnist(train=True)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, or a failure saying how to get it: a browser test never skips silently."""
    from tests.browser import CHROMIUM

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test and .ci/run do it "
                    "when they may), or set CHROMIUM to its path", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium for every browser test (each test opens its own context: see `new_page`)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server_process():
    """One app server (its URL and process) for the browser tests that are not about start-up or load;
    started on first use, with the warm-up and priming off (see the top of this file)."""
    from tests.browser import streamlit_server

    with streamlit_server(with_process=True) as running:
        yield running


@pytest.fixture(scope="session")
def server(server_process) -> str:
    """The shared app server's base URL."""
    return server_process[0]


@pytest.fixture(scope="session")
def _contexts(browser):
    """Browser contexts kept for the whole run, one per set of context options (viewport, touch), each with
    the pages earlier tests have finished with. A page opened in a kept context finds Streamlit's JavaScript
    in that context's cache (measured here: a page load 1.2 s instead of 1.9 s in a fresh context); a page
    reused keeps its renderer process, whose V8 has already compiled that JavaScript (measured here: 1.2
    CPU-seconds of Chromium per page load instead of 2.4 in a new page, on a 2-core machine)."""
    kept: dict = {}  # options key -> (context, idle pages)
    yield kept
    for ctx, _ in kept.values():
        ctx.close()


def _give_back(page, options: dict, idle: list) -> None:
    """A test's page made ready for the next test, or closed: storage cleared, routes removed, the viewport
    reset and the page on about:blank, which ends its Streamlit session (the websocket closes with the
    document), so no session of an earlier test keeps the server busy. Listeners a test added stay; the
    suite's (tests/browser.py watch_hosts) only record."""
    from playwright.sync_api import Error

    if page.is_closed():
        return
    try:
        if page.url.startswith("http"):
            page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
        page.unroute_all(behavior="ignoreErrors")
        page.goto("about:blank")
        if "viewport" in options:
            page.set_viewport_size(options["viewport"])
        idle.append(page)
    except Error:  # a crashed or hung page is not worth keeping
        page.close()


@pytest.fixture
def new_page(_contexts, browser):
    """`new_page(**context_options)`: a page (its own Streamlit session and websocket) in the kept context
    with those options, reused from an earlier test when one is idle there (see `_contexts`). After the
    test its pages go back (`_give_back`) and the context's cookies are cleared: the next test starts clean,
    with a warm HTTP cache and compiled JavaScript only."""
    import json

    pages, own = [], []

    def make(own_context: bool = False, **options):
        """`own_context=True`: a private context (its own cookies), closed after the test: for a test about
        two browsers that must not share cookies (nginx's sticky replica)."""
        if own_context:
            own.append(browser.new_context(**options))
            return own[-1].new_page()
        key = json.dumps(options, sort_keys=True, default=str)
        if key not in _contexts:
            _contexts[key] = (browser.new_context(**options), [])
        ctx, idle = _contexts[key]
        page = idle.pop() if idle else ctx.new_page()
        pages.append((key, options, page))
        return page

    yield make
    for key, options, page in pages:
        _give_back(page, options, _contexts[key][1])
    for key in {key for key, _, _ in pages}:
        _contexts[key][0].clear_cookies()
    for ctx in own:
        ctx.close()


@pytest.fixture(autouse=True)
def _keep_main_module():
    # Streamlit's script runner (every AppTest) puts the page script in sys.modules["__main__"] and leaves
    # it there; a multiprocessing child started later in this process (the leaderboard's workers) would
    # then run app/streamlit_app.py as its main module, outside Streamlit, and die.
    import sys

    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _seeded_global_generators():
    # A test that draws from torch's or numpy's global generator without a seed sees the same numbers whatever
    # ran before it on its xdist worker (the order changes from run to run): no flake from a rare draw.
    import numpy as np

    torch.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(autouse=True)
def _single_thread_determinism():
    # Tests compare values bit for bit; keep torch's thread count fixed within a test.
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `make test` runs two pytest-xdist workers; each starts its own app server and Chromium on first use (the
    # session fixtures above live per worker) and takes the next test when it is free. xdist hands out tests in
    # collection order: the slow ones go first, so the run does not end with one worker on a 30 s test while
    # the other is idle. (An xdist_group mark cannot pin the browser tests to one worker here: pytest-xdist
    # 3.8 applies groups by rewriting a node-id attribute that pytest 9 no longer reads.)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.get_closest_marker("browser")))


# DIGIT_LENS_TIMELINE=path: one JSON line per test (worker, start, end) to see how `make test`'s two workers
# share the run (which one ends last, and on what). Off unless asked for.
_TIMELINE = os.environ.get("DIGIT_LENS_TIMELINE")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not _TIMELINE:
        return (yield)
    import json
    import time

    start = time.time()
    try:
        return (yield)
    finally:
        with open(_TIMELINE, "a") as f:
            f.write(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), "test": item.nodeid,
                                "start": start, "end": time.time()}) + "\n")
