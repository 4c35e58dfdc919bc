#!/usr/bin/env python3
"""Generate ontology/imports/uberon.ttl, the UBERON subset the emkg ontology imports.

The logic is the library's (:mod:`emkg.uberon_import`, also used by ``emkg terms add``); see
there for what is read and how. Usage:
    scripts/make_uberon_import.py [--terms-dir DIR] [--additions FILE] [--out FILE] [--check]
"""

from __future__ import annotations

from emkg.uberon_import import build_graph, main, read_tables, serialize, unrooted

__all__ = ["build_graph", "main", "read_tables", "serialize", "unrooted"]

if __name__ == "__main__":
    raise SystemExit(main())
