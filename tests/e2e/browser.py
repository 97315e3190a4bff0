"""Headless Chromium for the pages' browser tests: Debian's chromium (scripts/install-chromium), driven by
playwright; and the keyboard and layout checks both sets of pages share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def launch() -> Iterator:
    """A running headless Chromium, closed afterwards; skips (or fails in CI) without chromium or playwright."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is missing: run scripts/install-chromium (as root) to install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: run scripts/bootstrap (it is in the dev extra)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def tab_to(page, target, limit: int = 250) -> None:
    """Presses Tab until ``target`` has the focus: proves it is reachable by keyboard, in the page's order.
    The element is found once (a role or label query after every key press cost most of a browser test's time)."""
    element = target.element_handle()
    try:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if element.evaluate("element => element === document.activeElement"):
                return
    finally:
        element.dispose()
    pytest.fail(f"never reached by Tab: {target}")


def assert_no_horizontal_scroll(page) -> None:
    viewport = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport, f"{page.url} scrolls sideways: {width}px wide at {viewport}px"
