"""`survey export --site DIR`: a static site that works from file:// and offline, checked in headless
Chromium against `survey query` (search, topic, section, years, code), with axe-core for accessibility,
html5lib for the markup, and screenshots at desktop and phone width."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from browser import chromium_context, npm_file

ROOT = Path(__file__).resolve().parents[1]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def screenshot_dir() -> Path:
    """Where the browser tests leave their screenshots: $SURVEY_SCREENSHOTS, else build/screenshots."""
    folder = Path(os.environ.get("SURVEY_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(cli, seeded_db, tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    result = cli("export", "--site", str(folder), db=seeded_db)
    assert result.exit_code == 0, result.stderr
    assert f"wrote the site of 91 papers to {folder}" in result.stderr
    return folder


def script_value(path: Path, name: str) -> dict:
    text = path.read_text(encoding="utf-8")
    prefix = f"window.{name} = "
    assert text.startswith(prefix) and text.endswith(";\n")
    return json.loads(text[len(prefix) : -2])


def query_keys(cli, db: str, *args: str) -> list[str]:
    result = cli("query", *args, "--sort", "position", "--format", "keys", db=db)
    assert result.exit_code == 0, result.stderr
    return result.lines


def open_site(page, url: str) -> None:
    """Open the page and wait until search.js (loaded after the first paint) is in."""
    page.goto(url)
    page.wait_for_function("window.surveySite && window.surveySite.searchLoaded !== null")


def visible_keys(page) -> list[str]:
    return page.eval_on_selector_all("#papers li.paper", "items => items.map(li => li.dataset.key)")


def test_site_files_are_offline_and_parse_with_html5lib(site: Path):
    html5lib = pytest.importorskip("html5lib", reason="html5lib is in the test extras")
    names = sorted(path.name for path in site.iterdir())
    assert {"index.html", "data.js", "search.js", "app.js", "style.css", "taxonomy.svg"} <= set(names)
    page = (site / "index.html").read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page)  # strict: raises on the first parse error
    assert not parser.errors
    # Every script, style sheet and image is a file of the folder: nothing from a CDN or any server.
    for ref in re.findall(r'(?:src|href)="([^"#]+)"', page):
        assert not re.match(r"[a-z]+:", ref), ref
        assert (site / ref).is_file(), ref
    assert 'type="module"' not in page
    data = script_value(site / "data.js", "SURVEY_DATA")
    assert len(data["papers"]) == 91 and data["title"] == "The Role of Small Models"
    assert data["papers"][0]["k"] == "xie2023data"
    search = script_value(site / "search.js", "SURVEY_SEARCH")
    assert len(search["b"]) == len(search["s"]) == 91
    assert search["b"][0].startswith("@inproceedings{xie2023data,")
    assert search["s"][0].startswith(" data selection for language models ")


def test_site_export_errors(cli, seeded_db, tmp_path: Path):
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    for args, message in (
        (("--site", str(afile)), "is not a folder"),
        (
            ("--site", str(tmp_path / "s"), "--topic", "Speculative Decoding"),
            "--site exports the whole survey",
        ),
        (("--site", str(tmp_path / "s"), "--markdown"), "choose one format"),
    ):
        result = cli("export", *args, db=seeded_db)
        assert result.exit_code == 1, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.timeout(300)
def test_site_in_chromium_agrees_with_query(cli, seeded_db, site: Path):
    every = query_keys(cli, seeded_db)
    with chromium_context(viewport=DESKTOP) as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
        open_site(page, (site / "index.html").as_uri())
        # All 91 papers are in the page on first load, without a click, in the table order of `query`.
        assert visible_keys(page) == every and len(every) == 91
        assert page.inner_text("#count") == "91 papers"
        page.screenshot(path=str(screenshot_dir() / "site-desktop.png"), full_page=False)

        # The keyboard: "/" goes to the search field, and typing filters at once.
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("Spéc deco")  # prefixes, any case, accents ignored
        assert visible_keys(page) == query_keys(cli, seeded_db, "spéc deco")
        page.fill("#q", "model")
        expected = query_keys(cli, seeded_db, "model")
        assert visible_keys(page) == expected and len(expected) > 5

        # A topic filter from a paper's topic button, then a section from the taxonomy navigation.
        page.locator("#papers button.chip", has_text="Model Routing").first.click()
        assert page.input_value("#topic") == "Model Routing"
        with_topic = query_keys(cli, seeded_db, "model", "--topic", "Model Routing")
        assert visible_keys(page) == with_topic and with_topic
        page.fill("#q", "")
        page.locator("nav.taxonomy a", has_text="Efficient Inference").click()
        in_section = query_keys(
            cli, seeded_db, "--topic", "Model Routing", "--section", "efficient-inference"
        )
        assert visible_keys(page) == in_section and 0 < len(in_section) < len(with_topic) + 9
        assert "in Efficient Inference" in page.inner_text("#count")

        # The filter state is in the address: opening it again shows the same papers.
        url = page.url
        assert "topic=Model%20Routing" in url and "section=efficient-inference" in url
        open_site(page, (site / "index.html").as_uri())
        assert len(visible_keys(page)) == 91
        open_site(page, url)
        page.reload()
        page.wait_for_function("window.surveySite && window.surveySite.searchLoaded !== null")
        assert visible_keys(page) == in_section
        # A search in the address waits for search.js, then shows what `survey query` finds.
        page.goto((site / "index.html").as_uri() + "#q=speculative%20dec")
        page.wait_for_function("document.getElementById('count').textContent.startsWith('3 of 91')")
        assert visible_keys(page) == query_keys(cli, seeded_db, "speculative dec")
        assert page.input_value("#q") == "speculative dec"

        # Years, venue and code.
        page.click("#reset")
        page.fill("#from", "2023")
        page.check("#code")
        assert visible_keys(page) == query_keys(cli, seeded_db, "--year", "2023..", "--has-code")
        page.fill("#to", "2023")
        page.select_option("#venue", "EMNLP")
        assert visible_keys(page) == query_keys(
            cli, seeded_db, "--year", "2023", "--has-code", "--venue", "EMNLP"
        )
        page.click("#reset")
        page.select_option("#sort", "year")
        newest = cli("query", "--sort", "year", "--format", "keys", db=seeded_db).lines
        assert visible_keys(page) == newest
        assert not errors, errors


@pytest.mark.timeout(300)
def test_copy_bibtex_button(cli, seeded_db, site: Path):
    with chromium_context(viewport=DESKTOP) as browser:
        browser.grant_permissions(["clipboard-read", "clipboard-write"])
        page = browser.new_page()
        open_site(page, (site / "index.html").as_uri())
        page.fill("#q", "leviathan")
        assert visible_keys(page) == ["leviathan2023fast"]
        # Reached and pressed with the keyboard.
        page.focus("#q")
        button = page.locator("#papers button.copy").first
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('copied').textContent.length > 0")
        assert page.inner_text("#copied") == "Copied the BibTeX of leviathan2023fast"
        copied = page.evaluate("navigator.clipboard.readText()")
    exported = cli("query", "leviathan", "--format", "bibtex", db=seeded_db).stdout
    assert copied.strip() == exported.strip()
    assert copied.startswith("@inproceedings{leviathan2023fast,")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_axe_finds_no_serious_violation(site: Path, width: str):
    axe = npm_file("axe-core", "axe.min.js")
    viewport = DESKTOP if width == "desktop" else PHONE
    with chromium_context(viewport=viewport) as browser:
        page = browser.new_page()
        page.goto((site / "index.html").as_uri())
        page.add_script_tag(path=str(axe))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        if width == "phone":
            page.screenshot(path=str(screenshot_dir() / "site-phone.png"), full_page=False)
            # Readable on a phone: nothing wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


@pytest.mark.timeout(300)
def test_hostile_text_stays_text(cli, empty_db, tmp_path: Path):
    """Titles, names, topics and sections are text in the page, never markup or script."""
    hostile = '<img src=x onerror="window.hacked=1">'
    assert cli("section", "add", f"Attacks {hostile}", db=empty_db).exit_code == 0
    added = cli(
        "add", "--title", f"On {hostile} </script><script>window.hacked=2</script>", "--author", "Ann O'Hara",
        "--year", "2024", "--topic", f"T {hostile}", "--section", f"Attacks {hostile}",
        "--url", "https://example.org/p", db=empty_db,
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    folder = tmp_path / "site"
    assert cli("export", "--site", str(folder), db=empty_db).exit_code == 0
    html5lib = pytest.importorskip("html5lib", reason="html5lib is in the test extras")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse((folder / "index.html").read_text(encoding="utf-8"))
    with chromium_context(viewport=DESKTOP) as browser:
        page = browser.new_page()
        open_site(page, (folder / "index.html").as_uri())
        assert page.evaluate("window.hacked") is None
        assert page.locator("img[src=x]").count() == 0
        assert hostile in page.inner_text("#papers")
        # A section's title cannot hold ">" (it separates the parts of a section path).
        assert "Attacks " + hostile.rstrip(">") in page.inner_text("nav.taxonomy")
        page.fill("#q", "hara")
        assert visible_keys(page) == query_keys(cli, empty_db, "hara")
        assert page.evaluate("window.hacked") is None
