"""The query page of ``emkg serve``: one self-contained HTML file (no network at view time).

The page (``page.html`` beside this module) holds its styles and script inline; the saved
queries (id, title, description, parameters, text), the emkg prefixes and the time limit are
written into it as JSON when the server starts. Everything it fetches comes from the same
server (``/query``, ``/api/bind``, ``/api/labels``); its Content-Security-Policy forbids any
other origin.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from emkg.catalogue import KINDS, Catalogue
from emkg.prefixes import PREFIXES
from emkg.serving.front import entry_json

_PLACEHOLDER = "__EMKG_DATA__"


def page_data(catalogue: Catalogue, limit: float) -> dict[str, Any]:
    return {
        "limit": f"{limit:g}",
        "kinds": dict(KINDS),
        "queries": [entry_json(e) for e in catalogue],
        "prefixes": "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()),
        "prefixMap": PREFIXES,
    }


def render_page(catalogue: Catalogue, limit: float) -> bytes:
    template = resources.files("emkg.serving").joinpath("page.html").read_text(encoding="utf-8")
    data = json.dumps(page_data(catalogue, limit), ensure_ascii=False)
    # inside <script>: no "</" may close the element, no "<!--" may open a comment
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace(_PLACEHOLDER, data, 1).encode("utf-8")
