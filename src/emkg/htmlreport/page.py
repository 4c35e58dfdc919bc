"""Write the report as one HTML file: the data, the script and the styles all inlined.

The page loads nothing: no script, style, font or image comes from elsewhere, so it opens
offline and shows the same on every machine. The data is a JSON document in a
``<script type="application/json">`` element (``<`` escaped, so no text in it can close the
element); ``assets/report.js`` draws the views from it with hand-written SVG.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from emkg.htmlreport.data import ReportData
from emkg.rdfio import atomic_write_text

_MARKERS = ("@@EMKG_CSS@@", "@@EMKG_JS@@", "@@EMKG_DATA@@", "@@EMKG_TITLE@@")


def _asset(name: str) -> str:
    return files("emkg.htmlreport").joinpath("assets", name).read_text(encoding="utf-8")


def render_page(data: ReportData, title: str = "emkg report") -> str:
    """The whole page as text (deterministic: the same data gives the same bytes)."""
    payload = json.dumps(data.as_json(), ensure_ascii=False, separators=(",", ":"))
    payload = (
        payload.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )
    css, js = _asset("report.css"), _asset("report.js")
    for text in (css, js):
        if any(m in text for m in _MARKERS):
            raise AssertionError("an asset contains a template marker")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    page = _asset("page.html")
    # the title goes in first: the other parts may contain anything
    return (
        page.replace("@@EMKG_TITLE@@", safe_title)
        .replace("@@EMKG_CSS@@", css)
        .replace("@@EMKG_JS@@", js.replace("</script", "<\\/script"))
        .replace("@@EMKG_DATA@@", payload)
    )


def write_report(path: Path, data: ReportData, title: str = "emkg report") -> Path:
    """Write the page to ``path`` atomically; returns the path."""
    atomic_write_text(Path(path), render_page(data, title))
    return Path(path)
