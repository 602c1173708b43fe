"""The Chromium the tests drive with Playwright (`playwright install` cannot download here).

The site is used in Debian's `chromium-headless-shell`: the same Chromium as Debian's `chromium`
(one source package, one version, the same Blink and V8), built for headless use, as Playwright's
own headless runs use it. Full Chromium in its headless mode draws a whole browser's frames for
nobody: the site's nine journeys in tests/site/test_site.py took 46 CPU s of Chromium there, 25 s
here. Test documents are printed to PDF by the full `chromium` (what the tests expect of them was
measured on its prints: the shell's footers differ), and Ace (tests/books/epubtools.py) drives it
through puppeteer.
"""
from __future__ import annotations

import shutil

SHELL = "chromium-headless-shell"
FULL = "chromium"

# Without these Chromium tries the network at start (updates, sync, field trials); audio plays
# without a click, as after the listener's first one.
ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def executable(package: str = SHELL) -> str:
    path = shutil.which(package)
    assert path, f"Debian's {package} is not installed (make system-deps, or apt-get install {package})"
    return path


def launch(browser_type, *extra: str, package: str = SHELL):
    """A browser of `browser_type` (Playwright's `pw.chromium`), with `extra` arguments."""
    return browser_type.launch(executable_path=executable(package), args=[*ARGS, *extra])


def new_context(browser, **options):
    """A context of `browser` drawn as for a reader who asks for reduced motion (the site honours
    it: no turning spinner, no smooth scrolling; Chromium's own switch for it is overridden by
    Playwright's media emulation): without a GPU the turning spinner alone kept 9% of a core
    busy for as long as a job was read, minutes in the books' tests, and `make test` is CPU-bound
    on two cores. A test of motion itself passes reduced_motion="no-preference"."""
    return browser.new_context(**{"reduced_motion": "reduce", **options})
