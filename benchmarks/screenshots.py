"""`python -m benchmarks.screenshots`: the README's screenshots (docs/*.png) from a fresh server.

Each page is opened in Chromium at 1400 px wide, waited on until its spinners are gone and its
charts are drawn, then captured; run it after a change to any page the README shows.
"""

from __future__ import annotations

import sys
import time

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, draw_stroke, prediction, streamlit_server

SEVEN = [(0.25, 0.22), (0.75, 0.22), (0.45, 0.85)]


def settle(page, seconds: float = 2.0, timeout: float = 180.0) -> None:
    """Until no spinner or skeleton is on the page and it has been quiet for `seconds`."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stSpinner"], [data-testid="stSkeleton"]').count()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > seconds:
            return
        time.sleep(0.3)


def main() -> int:
    from playwright.sync_api import sync_playwright

    docs = ROOT / "docs"
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/draw")
        draw_stroke(page, SEVEN[:2])
        draw_stroke(page, SEVEN[1:])
        prediction(page)
        # A fresh server answers the first strokes before torch is in (app/startup.py): wait for the maps.
        page.get_by_text("Fingerprint of these maps").wait_for(timeout=120_000)
        settle(page, 3)
        page.screenshot(path=str(docs / "draw.png"), full_page=True)
        page.goto(f"{url}/compare?index=3&methods=saliency,integrated_gradients,deeplift,gradient_shap,"
                  "guided_backprop,lrp,occlusion,shap_deep,lime_image,kernel_shap,smoothgrad,deconvolution")
        settle(page, 3)
        page.screenshot(path=str(docs / "compare.png"), full_page=True)
        page.goto(f"{url}/evaluate?index=3")
        settle(page, 3)
        page.get_by_role("tab", name="Leaderboard").click()
        settle(page, 3)
        page.screenshot(path=str(docs / "evaluate.png"), full_page=True)
        page.goto(f"{url}/inside?index=3")
        settle(page, 3)
        page.screenshot(path=str(docs / "inside.png"), full_page=True)
        page.goto(f"{url}/whatif?index=3&to=6")
        page.get_by_text("Pixels changed").first.wait_for(timeout=240_000)
        settle(page, 3)
        page.screenshot(path=str(docs / "whatif.png"), full_page=True)
        # Tall enough that the Map page needs no scrolling (Streamlit scrolls inside its own container,
        # so a "full page" screenshot is only the viewport).
        wide = browser.new_page(viewport={"width": 1500, "height": 4200})
        wide.goto(f"{url}/map?layer=hidden2&proj=umap&colour=label&index=8")
        wide.get_by_text("Nearest in hidden 2").wait_for(timeout=180_000)
        settle(wide, 3)
        nearest = wide.get_by_role("tabpanel").bounding_box()  # the map, then its first tab: nearest digits
        wide.screenshot(path=str(docs / "map.png"),
                        clip={"x": 0, "y": 0, "width": 1500, "height": nearest["y"] + nearest["height"] + 10})
        wide.get_by_role("tab", name="Training", exact=True).click()  # "Across training"
        wide.get_by_text("How close each method's maps are").wait_for(timeout=120_000)
        settle(wide, 2)
        box = wide.get_by_role("tablist").bounding_box()
        wide.screenshot(path=str(docs / "map_across_training.png"),
                        clip={"x": 0, "y": box["y"] - 10, "width": 1500, "height": 1350})
        browser.close()
    print("wrote docs/draw.png, compare.png, evaluate.png, inside.png, whatif.png, map.png, map_across_training.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
