"""Issue 5, "A real browser": headless Chromium (apt `chromium`, `chromium-driver`,
`python3-selenium`; `scripts/install-deps.sh --test` installs them) drives the preference page.

- Every consentable purpose is listed in its own fieldset with a title, a one-line summary and a
  `<details>` that expands on click; current state is pre-checked; actors and the policy link are
  shown; "accept all" and "refuse all" have the same class and the same rendered size.
- Clicking "refuse all" submits and the confirmation lists every purpose refused; the store has
  the events with `method = preferences_page` evidence.
- Keyboard only: Tab to a radio, change it with the arrow key, Tab to "save", press Enter; and
  Tab to "refuse all", press Space. Both submit.
- The page loads nothing but itself (the browser's performance log), has no `<script>`, and every
  src/href is relative except the policy link. French by default, English with Accept-Language en.
- A screenshot goes to $PIXELGATE_SCREENSHOT_DIR/preferences.png (default: the test's directory).
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

import shutil
from webutil import CONSENTABLE, POLICY_URL, web_relay  # noqa: F401  (web_relay is a fixture)

INSTALL = "scripts/install-deps.sh --test (apt-get install -y chromium chromium-driver python3-selenium)"
try:
    import selenium  # noqa: F401
except ImportError:                      # a venv over a Python other than Debian's: use the apt package
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail(f"selenium is missing: run {INSTALL}", pytrace=False)
from selenium import webdriver                                    # noqa: E402
from selenium.webdriver.chrome.service import Service             # noqa: E402
from selenium.webdriver.common.by import By                       # noqa: E402
from selenium.webdriver.common.keys import Keys                   # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait           # noqa: E402

ADDR = "alice@example.org"


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is missing: run {INSTALL}", pytrace=False)
    return path


@pytest.fixture
def browser_factory():
    require_binary("chromium")
    driver_path = require_binary("chromedriver")
    drivers = []

    def make(lang: str = "fr"):
        opts = webdriver.ChromeOptions()
        opts.binary_location = require_binary("chromium")
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1000,1400", f"--lang={lang}", "--no-first-run", "--disable-extensions"]:
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        d = webdriver.Chrome(service=Service(driver_path), options=opts)
        d.set_page_load_timeout(30)
        drivers.append(d)
        return d
    yield make
    for d in drivers:
        d.quit()


def requested_urls(driver) -> list[str]:
    out = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            out.append(msg["params"]["request"]["url"])
    return out


def check_page(driver, web, lang: str) -> None:
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    fieldsets = driver.find_elements(By.CSS_SELECTOR, "form fieldset.purpose")
    assert [f.get_attribute("data-purpose") for f in fieldsets] == CONSENTABLE
    for f in fieldsets:
        pid = f.get_attribute("data-purpose")
        assert f.find_element(By.TAG_NAME, "legend").text.strip(), pid
        summary_line = f.find_element(By.CSS_SELECTOR, "p.summary").text.strip()
        assert summary_line and "\n" not in summary_line, pid
        details = f.find_element(By.TAG_NAME, "details")
        assert details.get_attribute("open") is None, "details start closed"
        details.find_element(By.TAG_NAME, "summary").click()
        assert details.get_attribute("open") is not None, f"{pid}: <details> did not expand"
        detail_text = details.text.strip()
        assert len(detail_text) > len(details.find_element(By.TAG_NAME, "summary").text.strip()), pid
        radios = {r.get_attribute("value"): r for r in f.find_elements(By.CSS_SELECTOR, f'input[type=radio][name="{pid}"]')}
        assert set(radios) == {"grant", "refuse"}, pid
        granted = pid == "open_measurement"
        assert radios["grant"].is_selected() == granted and radios["refuse"].is_selected() != granted, pid
    actors = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul#actors li")]
    assert actors == ["Shop Example SAS", "Mailer Analytics Ltd"]
    assert driver.find_element(By.ID, "policy").get_attribute("href") == POLICY_URL
    accept, refuse = driver.find_element(By.ID, "accept-all"), driver.find_element(By.ID, "refuse-all")
    assert accept.get_attribute("class") == refuse.get_attribute("class"), "equal weight: same class"
    assert accept.size == refuse.size, f"equal weight: same rendered size {accept.size} vs {refuse.size}"
    for prop in ["font-size", "font-weight", "background-color", "color", "border-top-width"]:
        assert accept.value_of_css_property(prop) == refuse.value_of_css_property(prop), prop
    assert accept.get_attribute("form") is None and accept.find_element(By.XPATH, "ancestor::form") == refuse.find_element(By.XPATH, "ancestor::form")

    source = driver.page_source
    assert "<script" not in source.lower()
    for attr in re.findall(r'\b(?:src|href|action)="([^"]*)"', source):
        assert not re.match(r"(?i)(https?:)?//", attr) or attr == POLICY_URL, f"external reference {attr}"
    for u in requested_urls(driver):
        assert u.startswith(web.base + "/"), f"the page made the browser load {u}"


def assert_confirmation(driver, expected: dict[str, str]) -> None:
    conf = WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "confirmation")))
    assert conf.text.strip()
    states = {li.get_attribute("data-purpose"): li.get_attribute("data-state") for li in conf.find_elements(By.TAG_NAME, "li")}
    assert states == expected, states


def test_preferences_refuse_all_with_the_mouse(web_relay, browser_factory, workdir):
    web = web_relay()
    web.consent("grant", ADDR, "open_measurement")
    url = web.preferences_url(ADDR)
    driver = browser_factory("fr")
    driver.get(url)
    check_page(driver, web, "fr")

    shots = Path(os.environ.get("PIXELGATE_SCREENSHOT_DIR", str(workdir)))
    shots.mkdir(parents=True, exist_ok=True)
    for d in driver.find_elements(By.TAG_NAME, "details")[1:]:
        d.find_element(By.TAG_NAME, "summary").click()          # leave only the first one open
    driver.set_window_size(1000, max(1400, driver.execute_script("return document.body.scrollHeight") + 40))
    assert driver.save_screenshot(str(shots / "preferences.png"))
    assert (shots / "preferences.png").stat().st_size > 10_000

    driver.find_element(By.ID, "refuse-all").click()
    assert_confirmation(driver, {p: "refused" for p in CONSENTABLE})
    state = json.loads(web.consent("show", ADDR, "--json").stdout)
    assert state["granted"] == []
    last = web.history(ADDR)[-1]
    assert last["source"] == "web" and json.loads(last["evidence"])["method"] == "preferences_page"
    assert "Chrome" in json.loads(last["evidence"])["user_agent"]


def tab_until(driver, predicate, limit: int = 60):
    body = driver.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        el = driver.switch_to.active_element
        if predicate(el):
            return el
    raise AssertionError("Tab never reached the element")


def test_preferences_keyboard_only(web_relay, browser_factory):
    web = web_relay()
    web.consent("grant", ADDR, "open_measurement")
    url = web.preferences_url(ADDR)
    driver = browser_factory("en")
    driver.get(url)
    check_page(driver, web, "en")

    # Tab to the personalization choice (focus lands on its checked radio, "refuse"), arrow to "grant".
    radio = tab_until(driver, lambda e: e.get_attribute("name") == "personalization")
    assert radio.get_attribute("value") == "refuse"
    radio.send_keys(Keys.ARROW_LEFT)
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="personalization"][value="grant"]').is_selected()
    save = tab_until(driver, lambda e: e.get_attribute("id") == "save")
    save.send_keys(Keys.ENTER)
    want = {p: "refused" for p in CONSENTABLE}
    want["open_measurement"] = want["personalization"] = "granted"
    assert_confirmation(driver, want)
    state = json.loads(web.consent("show", ADDR, "--json").stdout)
    assert sorted(state["granted"]) == ["open_measurement", "personalization"]

    driver.get(url)                                        # a fresh page (and nonce)
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="personalization"][value="grant"]').is_selected()
    refuse = tab_until(driver, lambda e: e.get_attribute("id") == "refuse-all")
    refuse.send_keys(Keys.SPACE)
    assert_confirmation(driver, {p: "refused" for p in CONSENTABLE})
    assert json.loads(web.consent("show", ADDR, "--json").stdout)["granted"] == []
