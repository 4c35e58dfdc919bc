"""Run the command line as ``python -m emkg``."""

from emkg.cli import main

raise SystemExit(main())
