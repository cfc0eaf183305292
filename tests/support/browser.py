"""Headless Chromium from the operating system's packages, driven by Selenium, for console tests.

No step downloads a browser or a driver: Selenium is pointed at /usr/bin/chromedriver and
/usr/bin/chromium explicitly (`.ci/run` installs them with apt when missing). Chromium is started
with everything that would reach out to the network switched off and a fresh profile, because on a
machine without internet it otherwise waits on its own connections.

    browser = Browser.start(shots_dir)
    browser.open("http://127.0.0.1:8080/console/")
    browser.shot("overview")            # shots_dir/01-overview.png
    browser.quit()
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--password-store=basic",
    "--lang=zh-CN",
)


def missing_reason() -> str | None:
    """Why no browser test can run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is not installed (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


class Browser:
    def __init__(self, driver: Any, shots: Path, profile: Path) -> None:
        self.driver = driver
        self.shots = shots
        self.profile = profile
        self.count = 0

    @classmethod
    def start(cls, shots: Path, width: int = 1280, height: int = 900) -> Browser:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        shots.mkdir(parents=True, exist_ok=True)
        profile = Path(tempfile.mkdtemp(prefix="weiyuan-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        service = Service(executable_path=str(CHROMEDRIVER))
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(30)
        return cls(driver, shots, profile)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- pages -----------------------------------------------------------------------------------
    def open(self, url: str) -> None:
        self.driver.get(url)

    @property
    def url(self) -> str:
        return self.driver.current_url

    @property
    def text(self) -> str:
        return self.driver.find_element("css selector", "body").text

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        """Save a PNG of the window (or of the whole page); numbered in the order taken."""
        self.count += 1
        path = self.shots / f"{self.count:02d}-{name}.png"
        if not full_page:
            self.driver.save_screenshot(str(path))
            return path
        import base64

        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            },
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def find(self, css: str) -> Any:
        return self.driver.find_element("css selector", css)

    def find_all(self, css: str) -> list[Any]:
        return self.driver.find_elements("css selector", css)

    def click(self, css: str) -> None:
        self.find(css).click()

    def fill(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def set_value(self, css: str, value: str) -> None:
        """Set an input's value directly (datetime-local inputs take typed keys by locale)."""
        self.driver.execute_script("arguments[0].value = arguments[1];", self.find(css), value)

    def select(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(css)).select_by_value(value)

    def accept_confirmations(self) -> None:
        """Answer every window.confirm of this page with yes (the page's own data-confirm prompts)."""
        self.driver.execute_script("window.confirm = function () { return true; };")

    def cookie(self, name: str) -> dict[str, Any] | None:
        return self.driver.get_cookie(name)
