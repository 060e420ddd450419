"""Disproportionality analytics, UI-free: the dashboard, the CLI, the tests and the benchmark
all call this package. Its folders follow the data flow:

- ``data``: generate the synthetic borough, read a user's files, keep them, count in SQL;
- ``stats``: rates, relative rate indices, intervals, significance, pooling, funnels;
- ``protect``: disclosure control of every table before it leaves;
- ``views``: what each page, report and command shows, with its words;
- ``outputs``: charts, exports and reports.

``cli`` is the command line (``python -m analytics``). See docs/architecture.md.
"""
from pathlib import Path

__version__ = "0.1.0"

#: The project's root folder (data/, queries/ and docs/ live there).
ROOT = Path(__file__).resolve().parent.parent
