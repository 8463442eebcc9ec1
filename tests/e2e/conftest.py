"""A real `salesdept demo` server and Debian's Chromium driven by Playwright.

With CI=true a missing browser (or Playwright) fails the run; elsewhere those tests skip with
the reason. `playwright install` is never used: the browser is /usr/bin/chromium."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SALESDEPT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SALESDEPT_SCREENSHOTS", REPO / "screenshots"))


def salesdept_command() -> list[str]:
    """The installed console script next to this Python (as a user runs it)."""
    script = Path(sys.executable).with_name("salesdept")
    if script.exists():
        return [str(script)]
    found = shutil.which("salesdept")
    return [found] if found else [sys.executable, "-m", "salesdept.cli"]


def command_env(home: Path, **extra: str) -> dict:
    """A clean environment for a `salesdept` subprocess: no test settings, no test database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SALESDEPT_PRODUCTION"}
    }
    env["SALESDEPT_HOME"] = str(home)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float | None = None) -> None:
    # The first start migrates and loads the whole demo company (a year of every record): a
    # minute on a quiet machine, several on a busy one. SALESDEPT_E2E_WAIT overrides the wait.
    seconds = seconds or float(os.environ.get("SALESDEPT_E2E_WAIT", "900"))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`salesdept demo` exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"`salesdept demo` did not answer {url}/healthz within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class DemoServer:
    """`salesdept demo --host 127.0.0.1 --port <free>` in its own data folder."""

    def __init__(self, home: Path, *extra_args: str):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / f"demo-{self.port}.log"
        self.args = [
            *salesdept_command(),
            "demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *extra_args,
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait for /healthz; returns the seconds it took."""
        started = time.monotonic()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.args,
                env=command_env(self.home),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            wait_healthy(self.url, self.process)
        except AssertionError:
            stop(self.process)
            raise AssertionError(self.output()) from None
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo-home")
    server = DemoServer(home)
    server.start()
    yield server
    server.stop()


def _browser_missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def new_page(browser, demo_server):
    """new_page(viewport) → a page in a fresh context (no cookies) on the demo server."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, base_url=demo_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shoot():
    """shoot(page, name) → screenshots/<name>.png (git-ignored), full page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# Widest element outside a .table-responsive that pokes out of the phone's width (for the
# message of a page tour's phone check).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const over = document.scrollingElement.scrollWidth - width;
  if (over <= 1) return null;
  let worst = null;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-responsive')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && (!worst || r.right > worst.right)) {
      worst = {right: Math.round(r.right), tag: el.tagName.toLowerCase(),
               cls: el.className && el.className.toString().slice(0, 60),
               text: (el.innerText || '').trim().slice(0, 40)};
    }
  }
  return {over, worst};
}"""
