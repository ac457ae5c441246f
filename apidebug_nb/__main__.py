"""`python -m apidebug_nb`: the same command line as `apidebug-nb`."""

from apidebug_nb.cli import main

raise SystemExit(main())
