"""The built site in a real browser: headless Debian chromium loads pages from disk.

Skipped with a clear reason when chromium is missing on a developer's machine; in CI
(CI=true, where .ci/run installs it) a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.snapshot import KnowledgeBase
from bot.render.site.build import build_site
from bot.render.site.serve import make_server

CHROMIUM = Path(os.environ.get("FACTBOT_CHROMIUM", "/usr/bin/chromium"))
# Screenshots for a person to look at (docs/img/site-*.png are copies); CI may collect them.
ARTIFACTS = Path(os.environ.get("FACTBOT_ARTIFACTS", ".pytest_cache/artifacts"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip(
            f"{CHROMIUM} not installed (apt-get install -y chromium); browser tests skipped"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seed_kb: KnowledgeBase) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    build_site(seed_kb, out, pictures=False)
    return out


def browse(chromium: Path, tmp: Path, url: str, *extra: str) -> str:
    """Load a page and return the DOM after its scripts ran (or chromium's output)."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    done = subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(chromium: Path, tmp: Path, url: str, width: int = 1000) -> str:
    return browse(chromium, tmp, url, f"--window-size={width},800", "--dump-dom")


def test_article_quotes_are_highlighted_in_the_dom(chromium: Path, site: Path, tmp_path: Path):
    html = dom(chromium, tmp_path, (site / "article/edm-2012-v9-i71.html").as_uri())
    p7 = html[html.index('id="p7"') : html.index('id="p8"')]
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", p7, re.S)
    assert any("Kazakhstan’s Foreign Minister Yerzhan Kazykhanov" in m for m in marks)


@pytest.mark.parametrize(
    ("query", "section", "page"),
    [
        ("Казыханов", "names", "entity/yerzhan-kazykhanov.html"),  # Cyrillic, folded by the script
        ("Лавров", "names", "entity/sergei-lavrov.html"),
        ("Kazykanov", "didyoumean", "entity/yerzhan-kazykhanov.html"),  # misspelt
        ("Serdyukof", "didyoumean", "entity/anatoliy-serdyukov.html"),
        ("drug trafficking", "claims", "entity/"),
    ],
)
def test_search_finds_names_by_other_spellings(
    chromium: Path, site: Path, tmp_path: Path, query: str, section: str, page: str
) -> None:
    url = (site / "search.html").as_uri() + "?q=" + urllib.parse.quote(query)
    html = dom(chromium, tmp_path, url)
    assert 'data-search-ready="1"' in html, "the search script did not run"
    assert f'<ul id="{section}">' in html, html[html.index('id="results"') :][:600]
    listed = html[html.index(f'<ul id="{section}">') :].split("</ul>")[0]
    assert f'href="{page}' in listed


def test_no_match_says_so(chromium: Path, site: Path, tmp_path: Path) -> None:
    url = (site / "search.html").as_uri() + "?q=" + urllib.parse.quote("<b>qqqqzzzz</b>")
    html = dom(chromium, tmp_path, url)
    assert "Nothing matched “&lt;b&gt;qqqqzzzz&lt;/b&gt;”" in html
    assert "<b>qqqq" not in html


# Headless chromium's window is at least 500 px wide, so each page is measured in a 375 px
# frame; the probe page is served from 127.0.0.1 (frames from file:// are cross-origin).
_PROBE = """<!doctype html><html lang="en"><body>
<iframe id="f" title="page" src="{page}" style="width:375px;height:800px;border:0"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {{
  var d = this.contentDocument.documentElement;
  document.body.setAttribute("data-scroll-width", String(d.scrollWidth));
  document.body.setAttribute("data-client-width", String(d.clientWidth));
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "page",
    ["index.html", "search.html?q=csto", "article/edm-2012-v9-i71.html", "entity/csto.html"],
)
def test_no_horizontal_scrolling_at_375px(
    chromium: Path, site: Path, served: str, tmp_path: Path, page: str
) -> None:
    probe = site / f"probe-{abs(hash(page))}.html"
    probe.write_text(_PROBE.format(page=page), encoding="utf-8")
    try:
        html = dom(chromium, tmp_path, served + probe.name)
    finally:
        probe.unlink()
    client = re.search(r'data-client-width="(\d+)"', html)
    scroll = re.search(r'data-scroll-width="(\d+)"', html)
    assert client and scroll, "the page did not load in the frame"
    assert int(client.group(1)) <= 375
    assert int(scroll.group(1)) <= 375


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("entity/yerzhan-kazykhanov.html", "site-entity.png"),
        ("article/edm-2012-v9-i71.html", "site-article.png"),
    ],
)
def test_screenshots_are_saved(chromium: Path, site: Path, tmp_path: Path, page: str, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = (ARTIFACTS / name).resolve()
    browse(
        chromium, tmp_path, (site / page).as_uri(), "--window-size=900,1400", f"--screenshot={shot}"
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
