"""The HTML report in a real headless Chromium: the page renders with no console or page
errors, nothing is fetched from the network, and its Chinese text is drawn with real glyphs
(two different characters give different pixels, which missing-glyph boxes would not).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, invoke
from playwright.sync_api import sync_playwright

SCHEME = ROOT / "schemes" / "floor-heating" / "customer-relations.assess"
CHROMIUM = shutil.which("chromium")
# the same glyph test as a person looking at the page: 售 and 后 must not look alike
_GLYPHS = """() => {
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 40; canvas.height = 40;
    const context = canvas.getContext("2d");
    context.font = "32px " + getComputedStyle(document.body).fontFamily;
    context.fillText(text, 2, 34);
    return Array.from(context.getImageData(0, 0, 40, 40).data).join(",");
  };
  return draw("售") !== draw("后");
}"""


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium is installed by `make test` (see the Makefile)"
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_renders_in_a_browser(browser, lang: str, tmp_path: Path) -> None:
    outcome = invoke(
        "run", SCHEME, "--data", SCHEME.with_name("sample-data"), "--out", tmp_path,
        "--format", "html", "--lang", lang,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    page = browser.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "report.html").as_uri())
    assert problems == []
    assert all(url.startswith("file:") for url in requests), requests
    assert page.inner_text("h1") == "地暖客户关系维护绩效考核方案"
    assert page.locator("svg").count() == 4
    assert page.locator(".card").count() == 24  # 4 teams x 6 months
    assert "城东组" in page.inner_text(".cards")
    assert page.evaluate(_GLYPHS)
    page.close()
