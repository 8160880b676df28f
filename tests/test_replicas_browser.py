"""Past one machine (issue 26 §4): two app processes behind Debian's nginx (deploy/). Two browsers land on
different replicas by their sticky cookie and each keeps its session across reruns; stopping one replica
ends only its sessions, which are told so in the page, and the other browser keeps working."""

from __future__ import annotations

import urllib.request

import pytest

from deploy.replicas import INSTALL, nginx_binary, serve
from tests.browser import draw_stroke, free_port, prediction
from tests.conftest import ARTIFACTS

ONE = [(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)]
MOVED = "The server that held your session stopped"


@pytest.fixture(scope="module")
def replicas():
    """Two replicas and nginx on free ports, warm-up and priming off (tests/conftest.py sets the variables)."""
    if nginx_binary() is None:
        pytest.fail(f"no nginx: `{INSTALL}` (make test and .ci/run install it when they may)", pytrace=False)
    listen, *apps = (free_port() for _ in range(3))
    with serve(apps, listen, log_dir=ARTIFACTS) as running:
        yield running


def sticky_cookie_for(url: str, replica: str) -> str:
    """A dl_sticky value that nginx's hash sends to `replica` (asked of nginx itself, by its header)."""
    for i in range(64):
        req = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"dl_sticky=t{i}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            if r.headers["X-Digit-Lens-Replica"] == replica:
                return f"t{i}"
    raise AssertionError(f"no cookie of 64 reached {replica}")


@pytest.mark.browser
def test_two_sessions_on_two_replicas_and_one_replica_stopping(new_page, replicas):
    url = replicas.url
    pages = {}
    for replica in replicas.apps:  # one browser per replica, each drawing a "1"
        page = new_page(own_context=True, viewport={"width": 1400, "height": 1000})  # its own cookie jar
        page.context.add_cookies([{"name": "dl_sticky", "value": sticky_cookie_for(url, replica), "url": url}])
        response = page.goto(f"{url}/draw")
        assert response.headers["x-digit-lens-replica"] == replica  # nginx says which replica served it
        draw_stroke(page, ONE)
        prediction(page, timeout=180_000)
        page.get_by_text("Fingerprint of these maps").wait_for(timeout=180_000)  # the drawing is the session's input
        pages[replica] = page
    for page in pages.values():  # a rerun on another page: the session (its drawing) is still there
        page.get_by_role("link", name="Inside the network").click()
        page.get_by_text("Current: your drawing").wait_for(timeout=120_000)
    stopped, kept = list(replicas.apps)
    replicas.apps[stopped].terminate()
    replicas.apps[stopped].wait(timeout=30)
    # Its browser reconnects to the other replica (a new session there); the next thing the visitor does
    # reruns the page there, which says what happened.
    moved = pages[stopped]
    moved.get_by_text("A test digit").click(timeout=60_000)
    moved.get_by_text(MOVED).wait_for(timeout=120_000)
    page = pages[kept]  # the other browser: its session goes on, no message
    page.get_by_role("link", name="Draw").click()
    page.get_by_role("link", name="Inside the network").click()
    page.get_by_text("Current: your drawing").wait_for(timeout=60_000)
    assert page.get_by_text(MOVED).count() == 0


def test_the_rendered_config_is_valid_nginx_and_lists_every_replica(tmp_path):
    import subprocess

    from deploy.replicas import render

    nginx = nginx_binary()
    if nginx is None:
        pytest.fail(f"no nginx: `{INSTALL}` (make test and .ci/run install it when they may)", pytrace=False)
    (tmp_path / "nginx.conf").write_text(render(8623, [8624, 8625, 8626], tmp_path))
    text = (tmp_path / "nginx.conf").read_text()
    assert [line.split()[1] for line in text.splitlines() if line.strip().startswith("server 127")] == [
        "127.0.0.1:8624", "127.0.0.1:8625", "127.0.0.1:8626"]
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                           "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
