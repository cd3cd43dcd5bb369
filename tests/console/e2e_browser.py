"""e2e_browser.py - headless Debian Chromium for the console's browser tests.

Shared by tests/console/e2e_*.py: a fresh profile per browser, no network
chatter (no updates, sync or QUIC), and helpers that wait for a condition
instead of sleeping."""
import os
import shutil
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import (ElementClickInterceptedException, ElementNotInteractableException,
                                        StaleElementReferenceException)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Browser:
    """One headless Chromium with its own throw-away profile."""

    def __init__(self, width=1366, height=900, mobile=False):
        self.profile = tempfile.mkdtemp(prefix="crier-chromium.")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
                  "--hide-scrollbars", "--force-device-scale-factor=1",
                  f"--window-size={width},{height}", f"--user-data-dir={self.profile}"):
            opts.add_argument(a)
        if mobile:
            opts.add_experimental_option("mobileEmulation", {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True},
                "userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 "
                             "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"})
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(20)

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- waiting -------------------------------------------------------------
    def wait(self, cond, timeout=10, what="condition"):
        """Polls cond(driver) until it is truthy; returns its value."""
        # Live updates re-render lists: an element found a moment ago may be
        # gone (stale); that is "not yet", so poll again.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: cond(d), message=f"timed out after {timeout} s waiting for {what}")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css, timeout=10):
        def f(d):
            els = d.find_elements(By.CSS_SELECTOR, css)
            return els[0] if els and els[0].is_displayed() else None
        return self.wait(f, timeout, f"{css} to be visible")

    def text_in(self, css, text, timeout=10):
        def f(d):
            for e in d.find_elements(By.CSS_SELECTOR, css):
                if text in e.text:
                    return e
            return None
        return self.wait(f, timeout, f"'{text}' in {css}")

    def type(self, css, text, clear=True):
        e = self.visible(css)
        if clear:
            e.clear()
        e.send_keys(text)
        return e

    def click(self, css, timeout=10):
        """Clicks css once it is visible and clickable; retries while a live
        update re-renders it (stale) or something moves over it for a moment."""
        end = time.monotonic() + timeout
        while True:
            try:
                e = self.visible(css, max(0.1, end - time.monotonic()))
                self.driver.execute_script("arguments[0].scrollIntoView({block:'center'})", e)
                e.click()
                return e
            except (ElementClickInterceptedException, StaleElementReferenceException,
                    ElementNotInteractableException):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def console_errors(self):
        """Severe browser log lines (CSP violations, script errors), minus
        expected 4xx answers the page handles itself."""
        out = []
        for e in self.driver.get_log("browser"):
            if e.get("level") != "SEVERE":
                continue
            m = e.get("message", "")
            if "status of 4" in m or "thumb.png" in m or "screenshot.png" in m:
                continue
            out.append(m)
        return out

    def screenshot(self, path, full=False):
        if full:
            h = self.js("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
            w = self.js("return window.innerWidth")
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": w, "height": min(int(h), 6000), "deviceScaleFactor": 1, "mobile": w < 800})
            time.sleep(0.2)
            self.driver.save_screenshot(path)
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        else:
            self.driver.save_screenshot(path)
