"""index.html in a real browser: headless Chromium, driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe`` (commands in on fd 3, replies out on fd 4,
each a JSON message ended by a NUL byte), so nothing but the standard library is needed. The
tests open the page from disk, as a reader would, and ask it: is there a card for every claim,
did every image load, does the verdict filter hide what it should. A synthetic report is
checked always (where Chromium is installed); the committed ``reports/index.html`` when it is
there, and its screenshot is saved as ``reports/index.png``.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_samples import KAIMING, VANISHES, WITH_FIGURE, write_sample

from initspec.claims.registry import CLAIMS

REPORTS = Path(__file__).resolve().parents[1] / "reports"
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it",
)
TIMEOUT_S = 60.0
VIEWPORT = {"width": 1280, "height": 1800, "deviceScaleFactor": 1, "mobile": False}


class Browser:
    """One headless Chromium and one page in it, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # The protocol wants fd 3 (commands) and fd 4 (replies). Moved above fd 9 first, so that
        # putting one on fd 3 cannot overwrite the other.
        commands_read, replies_write = (_above_9(fd) for fd in (commands_read, replies_write))
        flags = [
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
        ]

        def onto_fds_3_and_4() -> None:  # in the child, before Chromium starts
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self._process = subprocess.Popen(
            [str(CHROMIUM), *flags, "about:blank"],
            preexec_fn=onto_fds_3_and_4,
            close_fds=False,  # keeps fds 3 and 4; every other fd of ours is close-on-exec
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send("Emulation.setDeviceMetricsOverride", session=True, **VIEWPORT)

    def send(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its reply; events in between are skipped."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError(f"Chromium did not answer within {TIMEOUT_S:g} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, page: Path) -> None:
        """Load ``page`` and wait until it and every image on it finished loading."""
        self.send("Page.navigate", session=True, url=page.resolve().as_uri())
        self.open_loaded(page)

    def open_loaded(self, page: Path) -> None:
        """Wait until the page being loaded and every image on it finished loading."""
        deadline = time.monotonic() + TIMEOUT_S
        loaded = "document.readyState === 'complete' && [...document.images].every(i => i.complete)"
        while not self.evaluate(loaded):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{page} did not finish loading within {TIMEOUT_S:g} s")
            time.sleep(0.05)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        finally:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            os.close(self._commands)
            os.close(self._replies)


def _above_9(fd: int) -> int:
    """``fd`` moved to a descriptor number of 10 or more (close-on-exec, as os.pipe's are)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


CARDS = "[...document.querySelectorAll('article.card')]"
VISIBLE_CARDS = f"{CARDS}.filter(card => card.offsetParent !== null).map(card => card.id)"
BROKEN_IMAGES = "[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)"


def choose(browser: Browser, select_id: str, value: str) -> list[str]:
    """Pick ``value`` in a filter as a reader would; the IDs of the cards still shown."""
    browser.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); "
        f"s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
    )
    shown: list[str] = browser.evaluate(VISIBLE_CARDS)
    return shown


def check_page(browser: Browser, page: Path) -> dict[str, str]:
    """The checks every report page must pass; returns each card's verdict by claim ID."""
    browser.open(page)
    cards: dict[str, str] = browser.evaluate(
        f"Object.fromEntries({CARDS}.map(card => [card.id, card.dataset.verdict]))"
    )
    assert sorted(cards) == sorted(CLAIMS), "one card per registry claim, anchored by its ID"
    assert browser.evaluate("document.images.length") > 0
    assert browser.evaluate(BROKEN_IMAGES) == [], "every image must load"
    assert sorted(browser.evaluate(VISIBLE_CARDS)) == sorted(CLAIMS), "no filter at first"
    for verdict in set(cards.values()):
        shown = choose(browser, "filter-verdict", verdict)
        assert sorted(shown) == sorted(c for c, v in cards.items() if v == verdict), verdict
    assert sorted(choose(browser, "filter-verdict", "")) == sorted(CLAIMS)
    return cards


def test_the_synthetic_report_reads_in_a_browser(browser: Browser, tmp_path: Path) -> None:
    reports = write_sample(tmp_path / "reports")
    cards = check_page(browser, reports / "index.html")
    assert cards[KAIMING] == "refuted"
    with_images = browser.evaluate("[...document.images].map(i => i.closest('article').id)")
    assert set(with_images) >= set(WITH_FIGURE), "a figure for every claim with numeric criteria"
    assert choose(browser, "filter-verdict", "refuted") == [KAIMING]
    choose(browser, "filter-verdict", "")
    lab03 = {c for c in CLAIMS if CLAIMS[c].source.key == "lab03"}
    assert set(choose(browser, "filter-document", CLAIMS[KAIMING].source.title)).isdisjoint(lab03)
    assert choose(browser, "filter-verdict", "refuted") == [KAIMING], "both filters apply"
    hidden_heading = browser.evaluate(
        "[...document.querySelectorAll('h2.source')].filter(h => h.offsetParent !== null).length"
    )
    assert hidden_heading == 1, "only the chosen document's heading stays"
    assert browser.evaluate("document.querySelectorAll('script').length") == 1, "no injected script"
    choose(browser, "filter-document", "")
    choose(browser, "filter-verdict", "")
    browser.screenshot(tmp_path / "index.png")
    assert (tmp_path / "index.png").read_bytes().startswith(b"\x89PNG")


def test_filters_live_in_the_url_and_never_hide_the_anchored_card(
    browser: Browser, tmp_path: Path
) -> None:
    reports = write_sample(tmp_path / "reports")
    page = (reports / "index.html").resolve()
    browser.send("Page.navigate", session=True, url=f"{page.as_uri()}?verdict=refuted#{VANISHES}")
    browser.open_loaded(page)
    assert browser.evaluate("document.getElementById('filter-verdict').value") == "refuted"
    assert sorted(browser.evaluate(VISIBLE_CARDS)) == sorted([KAIMING, VANISHES]), (
        "the URL's filter applies, and the card the anchor names stays shown"
    )
    assert browser.evaluate(f"document.getElementById('{VANISHES}').classList.contains('pinned')")
    choose(browser, "filter-document", CLAIMS[KAIMING].source.title)
    search = browser.evaluate("window.location.search")
    assert "verdict=refuted" in search and "document=" in search, search
    assert browser.evaluate("window.location.hash") == f"#{VANISHES}"


def test_a_narrow_window_keeps_every_table_inside_its_card(
    browser: Browser, tmp_path: Path
) -> None:
    reports = write_sample(tmp_path / "reports")
    browser.send("Emulation.setDeviceMetricsOverride", session=True,
                 **{**VIEWPORT, "width": 420, "mobile": True})  # fmt: skip
    browser.open(reports / "index.html")
    overflowing = browser.evaluate(
        "[...document.querySelectorAll('table')].filter(t => "
        "t.getBoundingClientRect().right > t.closest('article').getBoundingClientRect().right + 1"
        ").map(t => t.closest('article').id)"
    )
    assert overflowing == [], "a table wider than its card at 420 px"
    assert browser.evaluate("document.documentElement.scrollWidth") <= 420
    browser.screenshot(tmp_path / "narrow.png")


@pytest.mark.skipif(
    not (REPORTS / "index.html").is_file(), reason="no generated reports/index.html here"
)
def test_the_committed_report_reads_in_a_browser(browser: Browser) -> None:
    check_page(browser, REPORTS / "index.html")
    browser.screenshot(REPORTS / "index.png")
