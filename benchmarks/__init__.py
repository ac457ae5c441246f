"""apidebug_nb's benchmarks: ``python -m benchmarks [--quick] [--json FILE] [--only AREA ...]``.

Each ``bench_<area>.py`` module exposes ``run(quick: bool = False) -> list[dict]``
returning rows such as::

    {"area": "engine", "name": "oracle episodes/s (warm)", "value": 2612.0,
     "unit": "episodes/s", "target": 2500.0, "better": "higher",
     "note": "median of 5 passes"}

``quick=True`` runs every measurement once, small, in seconds (CI runs it so
the code cannot rot). ``run`` prints nothing; :mod:`benchmarks.run` prints the
table. Figures are medians of ``time.perf_counter`` readings; speed is never
asserted in tests.
"""
