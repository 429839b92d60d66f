"""Nothing in a template or served asset points the browser at another host (the service runs offline)."""

from __future__ import annotations

import re
from pathlib import Path

import hcsworkforce.web

WEB = Path(hcsworkforce.web.__file__).parent
URL = re.compile(r"https?://[^\s\"'<>)]+", re.I)
# In templates only XML namespace names could be legitimate, and those are identifiers, never fetched.
NAMESPACES = ("http://www.w3.org/",)
# In CSS and JS, the places where a URL is fetched: url(...), @import, import ... from, src=, href=, fetch().
FETCHED = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"]?|\bfrom\s*['"]|\bimport\s*\(\s*['"]|\bsrc\s*=\s*['"]|\bhref\s*=\s*['"]"""
    r"""|\bfetch\(\s*['"])(https?:)?//""",
    re.I,
)


def test_templates_have_no_urls_to_other_hosts() -> None:
    found = []
    for path in (WEB / "templates").rglob("*.html"):
        for m in URL.finditer(path.read_text(encoding="utf-8")):
            if not m.group(0).startswith(NAMESPACES):
                found.append(f"{path.name}: {m.group(0)}")
    assert not found, found


def test_assets_fetch_nothing_from_other_hosts() -> None:
    found = []
    assets = [
        p
        for p in (WEB / "static").rglob("*")
        if p.suffix in (".css", ".js", ".mjs", ".html", ".svg", ".json")
    ]
    assert assets
    for path in assets:
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in FETCHED.finditer(text):
            found.append(f"{path.relative_to(WEB)}: {text[m.start() : m.end() + 60]}")
    assert not found, found


def test_stylesheet_has_no_font_face_from_a_cdn() -> None:
    css = next(
        (WEB / "static" / "vendor").glob("nhsuk-frontend-*/nhsuk-frontend-*-nofonts.min.css")
    ).read_text()
    assert "assets.nhs.uk" not in css and "@font-face" not in css


def test_vendored_assets_carry_version_and_licence() -> None:
    for folder in (WEB / "static" / "vendor").iterdir():
        assert re.search(r"-\d+\.\d+\.\d+$", folder.name), f"{folder.name} has no version in its name"
        assert any(p.name.upper().startswith(("LICENCE", "LICENSE")) for p in folder.iterdir()), folder.name
        assert any(
            folder.name.split("-")[-1] in p.name for p in folder.iterdir() if p.suffix in (".js", ".css")
        )
