"""The code location's definitions by domain, each asset check beside its asset: ingest,
quality (the Great Expectations suites), linkage, outcomes, reporting; and the resources.

Assets are thin steps that call the toolkit and write the contract's files. Asset and check
metadata carry counts only (rows, files, pairs, persons), never a value of a record.
Intermediate values go through the job's IO manager (the filesystem one under DAGSTER_HOME for
`dagster dev`, memory for the in-process CLI run); contract files go through pipelines.files.writers.
"""

GROUP = "rosterlink"
"""The assets' group."""

LAST = {"dagster/priority": "-1"}
"""Step tag of checks that may wait: the in-process executor runs them once nothing else is ready."""

FINAL = {"dagster/priority": "-2"}
"""Step tag of the run's summary and report: the in-process executor runs them after every other
ready step, the quality checks included (LAST), so the summary times them too."""
