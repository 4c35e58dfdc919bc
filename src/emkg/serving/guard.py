"""What ``emkg serve`` refuses before a query reaches Oxigraph.

* ``SERVICE`` (SPARQL 1.1 federated query): Oxigraph's server would fetch the named URL on
  the reader's behalf, so anyone who can reach the page could make this machine send
  requests anywhere (including to services on its private network).
* Escape sequences outside strings and IRIs (``\\u0053ERVICE``): SPARQL allows code point
  escapes anywhere in the query text, which would hide a keyword from any check that reads
  the text as written.

The query is read with the SPARQL lexer of :mod:`emkg.sparqltext`, so the word ``SERVICE``
inside a string, an IRI, a comment, a variable name (``?service``) or a prefixed name
(``ex:service``) is not refused: only the keyword is.
"""

from __future__ import annotations

from emkg.sparqltext import token_spans


def refusal(query: str) -> str | None:
    """Why the front refuses ``query``, or None when it may be run."""
    previous_end = -1
    previous = ""
    for kind, value, start, end in token_spans(query):
        in_prefixed_name = previous == ":" and previous_end == start  # :SERVICE
        if kind == "word" and value.upper() == "SERVICE" and not in_prefixed_name:
            return (
                "SERVICE (federated query) is refused by this server: it would make the "
                "server send requests to other hosts; run the query against the other "
                "endpoint yourself, or load its data into your own store"
            )
        if kind == "other" and value == "\\":
            return (
                "escape sequences (\\u...) outside strings and IRIs are refused by this "
                "server; write the characters themselves"
            )
        previous = value if kind == "other" else ""
        previous_end = end
    return None
