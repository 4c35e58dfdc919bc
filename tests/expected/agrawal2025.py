"""Competency-question answers for kg/agrawal2025.ttl, worked out by hand from the abstract.

Agrawal V, Aldoss I, Pullarkat V. Extramedullary sites of disease in B-cell acute lymphoblastic
leukemia: incidence, biology, and treatment. Leuk Lymphoma. 2025:1-12.
Source text: ../shared/seeds/002_82c80a7b118d03ff.txt (review article abstract, no case).

A review reports no patient: every patient-level question has no row for it. The format is
described in tests/cqanswers.py.
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from cqanswers import data

SOURCE = URIRef("https://doi.org/10.1080/10428194.2025.2541024")

ANSWERS: dict[str, Any] = {
    # "extramedullary relapse is increasingly reported ... especially after treatment with
    # blinatumomab" (no cited study in the abstract)
    "cq14-blinatumomab": {(data("agrawal2025/claim/c03-em-relapse-after-blinatumomab"), None)},
    "cq14-cited-studies": {
        data("agrawal2025/claim/c03-em-relapse-after-blinatumomab"): {(None,)},
    },
}
