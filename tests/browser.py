"""A headless Chromium driven over the DevTools protocol on a pipe: no driver, no port, no Python package.

Chromium started with ``--remote-debugging-pipe`` reads protocol messages (JSON, each ended by a NUL byte)
on its file descriptor 3 and writes answers and events on 4. :class:`Chromium` starts it with a fresh
profile, and :class:`Page` loads an address, types, clicks (real input events), evaluates JavaScript and
takes screenshots. Used by tests/test_explorer_browser.py and scripts/explorer_screenshot.py.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Where Debian's chromium package puts the browser.
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """The Chromium executable ($RELVEC_CHROMIUM, else Debian's), or None when none is installed."""
    for candidate in (os.environ.get("RELVEC_CHROMIUM"), *CANDIDATES, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with a fresh profile; close it with :meth:`close` (or use ``with``)."""

    def __init__(self, executable: str, *, extra_flags: tuple[str, ...] = ()) -> None:
        self.profile = tempfile.mkdtemp(prefix="relvec-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Above 4, so that placing one of them at 3 or 4 cannot overwrite the other.
        read_fd = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
        write_fd = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
        for fd in (to_browser_read, from_browser_write):
            os.close(fd)
        # A small Python trampoline puts the pipe ends at 3 and 4, then becomes Chromium (no shell, whose
        # redirections take one-digit descriptors only).
        trampoline = (
            "import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); os.dup2(w, 4); "
            "os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])"
        )
        command = [
            sys.executable,
            "-c",
            trampoline,
            str(read_fd),
            str(write_fd),
            executable,
            *FLAGS,
            *extra_flags,
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            command, pass_fds=(read_fd, write_fd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        os.close(read_fd)
        os.close(write_fd)
        self._next_id = 0
        self._lock = threading.Lock()
        self._answers: dict[int, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._arrived:
                    self._answers[-1] = {"closed": True}
                    self._arrived.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._arrived:
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._arrived.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout=20) -> Any:
        """One protocol command; its result, or BrowserError with the browser's message."""
        with self._lock:
            self._next_id += 1
            number = self._next_id
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._arrived:
            while number not in self._answers:
                if -1 in self._answers:
                    raise BrowserError(f"Chromium closed the pipe: {self._stderr()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"no answer to {method} within {timeout} s")
                self._arrived.wait(left)
            answer = self._answers.pop(number)
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        return (self.process.stderr.read() or b"").decode(errors="replace")[-2000:]

    def new_page(self, width: int = 1360, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session, width, height)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                with contextlib.suppress(BrowserError):
                    self.send("Browser.close", timeout=5)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            for fd in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self.process.stderr:
                self.process.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: load, type, click, read and photograph the page."""

    def __init__(self, browser: Chromium, session: str, width: int, height: int) -> None:
        self.browser, self.session = browser, session
        self.width, self.height = width, height
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 20) -> Any:
        return self.browser.send(method, params, self.session, timeout)

    def events(self, method: str) -> list[dict[str, Any]]:
        """This tab's events of one kind so far (their params)."""
        with self.browser._arrived:
            return [
                e["params"] for e in self.browser.events if e.get("sessionId") == self.session and e["method"] == method
            ]

    def goto(self, url: str, timeout: float = 20) -> None:
        loaded = len(self.events("Page.loadEventFired"))
        self.send("Page.navigate", {"url": url})
        self.wait_until(lambda: len(self.events("Page.loadEventFired")) > loaded, timeout, f"{url} to load")

    def evaluate(self, expression: str, timeout: float = 20) -> Any:
        """The value of a JavaScript expression (awaited if a promise), as JSON; a thrown error raises."""
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, timeout
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression!r} threw: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def wait_until(self, condition: Any, timeout: float = 20, what: str = "a condition") -> Any:
        """Poll ``condition`` (a JavaScript expression or a Python function) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(condition) if isinstance(condition, str) else condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"waited {timeout} s for {what}: {condition if isinstance(condition, str) else ''}")
            time.sleep(0.05)

    def _centre(self, selector: str) -> tuple[float, float]:
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2, r.width * r.height]; })()"
        )
        if not box or not box[2]:
            raise BrowserError(f"{selector} is not on the page, or not visible")
        return box[0], box[1]

    def click(self, selector: str) -> None:
        """A real mouse click at the element's centre."""
        x, y = self._centre(selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def type(self, selector: str, text: str) -> None:
        """Replace a field's text as a user would: click it, select all, type ``text``."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        self.send("Input.insertText", {"text": text})

    def text(self, selector: str) -> str:
        return self.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")

    def screenshot(self, path: str | os.PathLike[str], full_page: bool = True) -> Path:
        """A PNG of the page (all of it with ``full_page``)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params, timeout=60)["data"]
        target = Path(path)
        target.write_bytes(base64.b64decode(data))
        return target
