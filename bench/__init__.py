"""bench: suites, scoring, statistics, the runner and the reports."""
