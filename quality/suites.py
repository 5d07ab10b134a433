"""Great Expectations suites on accepted records, one per source, built from the contract.

GX is imported inside ``validate_records`` (the import costs seconds). Each call runs in an
ephemeral context with progress bars and usage analytics off. The result carries the
expectation type, the column, success and the count of unexpected values, never a value:
GX is asked for no sample of unexpected values (``partial_unexpected_count`` 0) and
nothing else of its result is kept.

GX is imported with ``pyspark.sql.connect`` hidden (``import_gx``): GX's compatibility module
tries ``from pyspark.sql.connect... import ...`` when pyspark is installed, and importing
``pyspark.sql.connect`` runs pyspark's ``check_dependencies()``, which calls ``sys.exit(0)`` when
``__main__`` has neither ``__spec__`` nor ``__file__`` (as in a Dagster step subprocess). Hidden, the
import raises ImportError, which GX catches and treats as "no Spark Connect"; the suites run on
pandas only, so they behave the same whether or not pyspark is installed. Classic pyspark
(``pyspark.sql``, the Spark engine) does not import ``pyspark.sql.connect`` and is untouched.

The frame validated is a view of the records: the contract's columns as text, with ``sex``
read by ``linkage.roster.normalize.parse_sex`` (``M``/``F``; a present value outside the contract's
spellings becomes ``unreadable``), so the suite checks the spellings the pipeline accepts.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import pandas as pd

from linkage.roster.normalize import parse_sex
from quality.quarantine import required_date_columns
from schemas.contract import EXIT_TYPES, POVERTY_SOURCE, SOURCE_COLUMNS

SEX_READABLE_MOSTLY = 0.95
ID_NUMBER_SHAPE_MOSTLY = 0.95    # doubtful ids are kept by the contract, so a share may be malformed
AGE_SHAPE_MOSTLY = 0.95
HOUSEHOLD_PRESENT_MOSTLY = 0.95
ID_NUMBER_SHAPE = r"^(?:\d{15}|\d{17}[0-9Xx])$"   # legacy 15 digits or 18 characters
AGE_SHAPE = r"^\d{1,3}$"
UNREADABLE_SEX = "unreadable"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict: counts only, no values."""

    expectation_type: str
    column: str | None
    success: bool
    unexpected_count: int | None


@dataclass(frozen=True)
class SuiteResult:
    """The verdict of a source's suite on its records."""

    source: str
    success: bool
    n_expectations: int
    n_failed: int
    expectations: tuple[ExpectationOutcome, ...]


def validation_view(records: pd.DataFrame, source: str) -> pd.DataFrame:
    """The frame the suite reads: the source's contract columns, sex read to M/F/unreadable."""
    view = pd.DataFrame(index=pd.RangeIndex(len(records)))
    for column in SOURCE_COLUMNS[source]:
        if column in records.columns:
            values = records[column].to_numpy(dtype=object)
            view[column] = pd.Series(values, dtype=object).where(pd.notna(values), None)
        else:
            view[column] = pd.Series([None] * len(records), dtype=object)
    sex = parse_sex(view["sex"])
    sex[view["sex"].notna() & sex.isna()] = UNREADABLE_SEX
    view["sex"] = sex.astype(object)
    return view


def _expectations(gx, source: str) -> list:
    """The expectations of one source, from the contract."""
    e = gx.expectations
    expectations = [
        e.ExpectColumnValuesToNotBeNull(column="record_id"),
        e.ExpectColumnValuesToBeUnique(column="record_id"),
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in required_date_columns(source)),
        e.ExpectColumnValuesToBeInSet(column="sex", value_set=["M", "F"], mostly=SEX_READABLE_MOSTLY),
        e.ExpectColumnValuesToMatchRegex(column="id_number", regex=ID_NUMBER_SHAPE, mostly=ID_NUMBER_SHAPE_MOSTLY),
    ]
    if "age" in SOURCE_COLUMNS[source]:
        expectations.append(e.ExpectColumnValuesToMatchRegex(column="age", regex=AGE_SHAPE, mostly=AGE_SHAPE_MOSTLY))
    if "exit_type" in SOURCE_COLUMNS[source]:
        expectations.append(e.ExpectColumnValuesToBeInSet(column="exit_type", value_set=sorted(EXIT_TYPES)))
    if source == POVERTY_SOURCE:
        expectations.append(
            e.ExpectColumnValuesToNotBeNull(column="household_id", mostly=HOUSEHOLD_PRESENT_MOSTLY)
        )
    return expectations


SPARK_CONNECT_MODULE = "pyspark.sql.connect"


def import_gx():
    """``great_expectations``, imported with pyspark's Spark Connect package hidden (see the module
    docstring); the package is visible again afterwards, so later pyspark code imports it normally."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    if "great_expectations" in sys.modules or SPARK_CONNECT_MODULE in sys.modules:
        import great_expectations as gx

        return gx
    sys.modules[SPARK_CONNECT_MODULE] = None  # type: ignore[assignment] - `import` raises ImportError
    try:
        import great_expectations as gx
    finally:
        del sys.modules[SPARK_CONNECT_MODULE]
    return gx


def validate_records(records: pd.DataFrame, source: str) -> SuiteResult:
    """Run the source's suite on its accepted records in an ephemeral GX context."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_definition = (
        context.data_sources.add_pandas(name="rosters")
        .add_dataframe_asset(name=f"{source}_records")
        .add_batch_definition_whole_dataframe(name="all_rows")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=f"{source}_records"))
    for expectation in _expectations(gx, source):
        suite.add_expectation(expectation)

    batch = batch_definition.get_batch(batch_parameters={"dataframe": validation_view(records, source)})
    result = batch.validate(suite, result_format={"result_format": "BASIC", "partial_unexpected_count": 0})

    outcomes = tuple(
        ExpectationOutcome(
            expectation_type=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            success=bool(r.success),
            unexpected_count=(
                int(r.result["unexpected_count"]) if r.result.get("unexpected_count") is not None else None
            ),
        )
        for r in result.results
    )
    n_failed = sum(not o.success for o in outcomes)
    return SuiteResult(
        source=source,
        success=bool(result.success),
        n_expectations=len(outcomes),
        n_failed=n_failed,
        expectations=outcomes,
    )
