"""``emkg report``: the graph drawn as one self-contained HTML page.

The page holds swimmer timelines (one lane per patient: therapy lines as bars, events as
markers, each with its quote, DOI and IRI), cohort views (EM site x prior targeted agent,
method x site, EM sites after a therapy chosen on the page, completeness per case) and a data
table under each view. Every number and mark comes from a saved query's answer
(``queries/cq`` and ``queries/view``) run on the release; the page only lays them out.

* :mod:`emkg.htmlreport.source`: the one function that opens a release for reading;
* :mod:`emkg.htmlreport.data`: runs the saved queries and packs their answers;
* :mod:`emkg.htmlreport.page`: writes the HTML with the inlined script and styles
  (``assets/``).

This is not :mod:`emkg.report`, the text/JSON/Markdown validation report.
"""
