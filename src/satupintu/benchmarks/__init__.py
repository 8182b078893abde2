"""The ministry's cross-region benchmarks: indicators, rollups, the ministry's area and what regions report.

Importing the package registers the listener that queues a rollup after a change commits
(see ``triggers``), so every process that writes tenant data keeps the rollups fresh.
"""

from satupintu.benchmarks import triggers as _triggers  # noqa: F401 - registers the session listener
