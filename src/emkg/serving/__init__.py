"""``emkg serve``'s parts: Oxigraph back ends, the query guard, the HTTP front and its page.

* :mod:`emkg.serving.backends`: a pool of ``oxigraph serve-read-only`` processes on private
  loopback ports, each answering one query at a time; a query that outlives the time limit
  has its process killed and replaced, so its CPU is given back.
* :mod:`emkg.serving.guard`: what the front refuses before a query reaches a back end
  (``SERVICE``, updates).
* :mod:`emkg.serving.front`: the HTTP server users talk to: the query page, ``/query``,
  ``/store`` (read), and the page's helpers (parameter binding, labels).
* :mod:`emkg.serving.page`: the self-contained query page (no network at view time).
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: seconds a query may run before it is stopped
DEFAULT_QUERY_TIMEOUT = 5.0
#: queries answered at once (one Oxigraph process each)
DEFAULT_WORKERS = 2
