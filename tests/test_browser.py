"""The web chat in a real browser: headless Chromium driven by Playwright, against the real app.

What an applicant does: reads the notice, types a question, presses Enter,
gets an answer with its figure and a [1] marker, opens the source card. Also:
markup typed into the box is shown as text (no script runs, no external image
loads). A screenshot goes to test-output/ (git-ignored) for a human to look at.

Needs the Debian ``chromium`` package (``apt-get install chromium``) and the
``playwright`` Python package (requirements-test.txt); ``playwright install``
is never run: we drive the system Chromium.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from .conftest import REPO
from .test_api import QUESTION, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = REPO / "test-output"
TIMEOUT_MS = 180_000  # answers take seconds; on a busy CI machine, tens of seconds

if not CHROMIUM.exists() and not shutil.which("chromium"):
    pytest.skip("no Chromium: install it with `apt-get install chromium` (Debian) to run the browser tests",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-test.txt (playwright)")


@pytest.fixture(scope="module")
def server(seed_index: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from assistant.web import build_app

    root = tmp_path_factory.mktemp("browser")
    settings = replace(seed_index, feedback_db=root / "feedback.sqlite3", upload_dir=root / "uploads")
    with serve_in_thread(build_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        exe = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """One browser page on the app that refuses (and records) every request off loopback."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 1400})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.context.route("**/*", self._route)
        self.page.goto(url + "/", wait_until="domcontentloaded")
        self.box = self.page.get_by_label("Your question")
        self.box.wait_for()

    def _route(self, route: Any) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:  # fonts, analytics, images named in a question: nothing leaves the machine
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def ask(self, question: str) -> None:
        """Type ``question`` and press Enter (keyboard only, no click on Send)."""
        self.box.click()
        self.box.fill(question)
        self.box.press("Enter")

    def bot_messages(self) -> Any:
        return self.page.locator('[data-testid="bot"]')

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Visit]:
    v = Visit(browser, server)
    yield v
    v.close()


def test_applicant_asks_and_opens_the_cited_source(visit: Visit) -> None:
    page = visit.page
    notice = page.locator("#notice")
    sync_api.expect(notice).to_be_visible()
    sync_api.expect(notice).to_contain_text("not an eligibility decision")
    sync_api.expect(notice).to_contain_text("not legal advice")
    sync_api.expect(notice).to_contain_text("Do not enter personal data")

    visit.ask(QUESTION)  # Enter submits
    answer = visit.bot_messages().last
    sync_api.expect(answer).to_contain_text("41 804 171.98", timeout=TIMEOUT_MS)
    sync_api.expect(answer).to_contain_text("[1]")
    sync_api.expect(visit.box).to_have_value("")  # the box is cleared for the next question
    card = page.locator("article.source-card#src-1")
    sync_api.expect(card).to_contain_text("The EU funding programme for asylum and integration is approved")
    sync_api.expect(card.locator("mark")).to_contain_text("41 804 171.98")

    # The [1] marker links to its card.
    answer.get_by_role("link", name="[1]").first.click()
    sync_api.expect(card).to_be_in_viewport()
    # The card's title opens the original document (served by the app) in a new tab.
    with page.context.expect_page() as opened:
        card.locator("h4 a").click()
    original = opened.value
    original.wait_for_load_state()
    assert "/documents/" in original.url
    assert "41 804 171.98" in original.content()
    original.close()

    card.scroll_into_view_if_needed()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-chat.png"), full_page=True)
    assert visit.dialogs == []


def test_markup_in_the_question_is_shown_as_text(visit: Visit) -> None:
    page = visit.page
    probe = "http://127.0.0.2:9/pixel.png"  # loopback, so even a leak would not leave the machine
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    question = (f"<script>alert('s')</script><img src=x onerror=\"alert('i')\"> ![pixel]({probe}) "
                f"[click](javascript:alert('l')) **{QUESTION}**")
    visit.ask(question)
    user = page.locator('[data-testid="user"]').last
    sync_api.expect(user).to_contain_text("<script>alert('s')</script>")  # shown literally
    sync_api.expect(user).to_contain_text(f"![pixel]({probe})")
    sync_api.expect(visit.bot_messages().last).not_to_contain_text("Searching", timeout=TIMEOUT_MS)
    assert user.locator("script, img, a[href^='javascript']").count() == 0
    assert page.locator(f"img[src='{probe}'], img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert visit.dialogs == [] and probe not in requested


def test_shift_enter_adds_a_line_and_empty_enter_asks_politely(visit: Visit) -> None:
    visit.box.click()
    visit.box.type("How much")
    visit.box.press("Shift+Enter")
    visit.box.type("does Latvia receive?")
    sync_api.expect(visit.box).to_have_value("How much\ndoes Latvia receive?")
    assert visit.bot_messages().count() == 0  # Shift+Enter did not submit
    visit.box.fill("   ")
    visit.box.press("Enter")
    sync_api.expect(visit.bot_messages().last).to_contain_text("Please type a question.")


def test_staff_tab_refuses_without_login(visit: Visit) -> None:
    """Hiding is not access control: the Staff tab's buttons work in the page and still refuse."""
    page = visit.page
    page.get_by_role("tab", name="Staff").click()
    page.get_by_role("button", name="Refresh the list").click()
    sync_api.expect(page.get_by_text("Staff login required").first).to_be_visible()
    page.get_by_role("button", name="Re-index uploads and indexed sources").click()
    sync_api.expect(page.get_by_text("Staff login required").first).to_be_visible()
