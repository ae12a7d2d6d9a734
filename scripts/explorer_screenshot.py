"""Photograph the explorer page of a running ``relvec serve``: every panel run on its example input.

    relvec serve -m all-MiniLM-L6-v2 -t c -p difference --index google.idx --complete --open
    python scripts/explorer_screenshot.py http://127.0.0.1:8000/ -o docs/images/explorer.png

Needs Chromium (``apt-get install chromium``); drives it as tests/test_explorer_browser.py does. With
``$RELVEC_API_KEY`` set, the key is typed into the page's key field first.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import Chromium, find_chromium  # noqa: E402 (the test helper, beside the tests)

PANELS = {
    "similarity-form": "similarity-table",
    "search-form": "search-table-0",
    "complete-form": "complete-table",
    "label-form": "label-table",
    "map-form": "map-image",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the page's address, e.g. http://127.0.0.1:8000/")
    parser.add_argument("-o", "--output", default="explorer.png", help="PNG to write (default explorer.png)")
    parser.add_argument("--width", type=int, default=1360, help="window width in CSS pixels (default 1360)")
    parser.add_argument("--skip", action="append", default=[], help="a panel form not to run (repeatable)")
    args = parser.parse_args()
    executable = find_chromium()
    if executable is None:
        parser.error("no Chromium found: apt-get install chromium (or set RELVEC_CHROMIUM)")
    with Chromium(executable) as browser:
        page = browser.new_page(args.width, 900)
        page.goto(args.url)
        if os.environ.get("RELVEC_API_KEY"):
            page.type("#api-key", os.environ["RELVEC_API_KEY"])
            page.click("#key-form button")
        page.wait_until("document.getElementById('status').textContent === 'ready'", 120, "the page to be ready")
        for form, result in PANELS.items():
            if form in args.skip or page.evaluate(f"document.getElementById('{form}').hidden"):
                continue
            page.evaluate(f"document.getElementById('{form}').requestSubmit()")
            done = (
                f"(() => {{ const e = document.getElementById('{result}');"
                " return !!e && (e.tagName !== 'IMG' || e.naturalWidth > 0); })()"
            )
            page.wait_until(done, 180, f"the {form} answer")
        page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
        print(page.screenshot(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
