"""Exports for the clinical-genomics world and for analysts: Phenopackets v2 and tidy tables.

Both read the release's store through the saved queries of ``queries/export/`` (one query
per entity table, run in the store), so they grow linearly with the number of patients:

* :mod:`emkg.export.tables`: one CSV (and Parquet where pyarrow is installed) per query, with
  a data dictionary built from ``queries/export/columns.tsv`` and the ontology's definitions.
* :mod:`emkg.export.phenopackets`: one GA4GH Phenopacket v2 JSON per patient, built with the
  ``phenopackets`` package's protobuf classes.
"""
