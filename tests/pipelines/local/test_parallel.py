"""The process-parallel reading and normalization give the one-process frames, and the same errors."""
import signal

import numpy as np
import pandas as pd
import pytest

from linkage.roster.normalize import normalize_records
from pipelines.local import parallel
from pipelines.files.ingest import RosterInputError, discover_files, read_source, scan_input, stack_sources
from quality.quarantine import split_quarantine
from synthetic.generator import generate
from synthetic.params import GeneratorParams
from synthetic.writer import write_contract_folder


@pytest.fixture(scope="module")
def input_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parallel") / "input"
    write_contract_folder(generate(300, 7, GeneratorParams()), folder, 7)
    return folder


@pytest.fixture
def always_parallel(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 2)
    monkeypatch.setattr(parallel, "process_count", lambda: 2)


def test_reading_raises_the_first_broken_file(input_dir, always_parallel, tmp_path):
    import shutil

    folder = tmp_path / "input"
    shutil.copytree(input_dir, folder)
    files = sorted((folder / "police").iterdir())
    for path in files[1:]:
        path.write_bytes(b"\xff\xfe broken")
    with pytest.raises(RosterInputError) as raised:
        parallel.read_raw_rows(folder, scan_input(folder).files)
    assert raised.value.args[0].startswith(f"police/{files[1].name}:")


def test_normalize_records_parallel_equals_normalize_records(input_dir, always_parallel):
    records, _ = split_quarantine(pd.concat([read_source(input_dir, s) for s in discover_files(input_dir)],
                                            ignore_index=True))
    pd.testing.assert_frame_equal(parallel.normalize_records_parallel(records), normalize_records(records))


def test_pack_frame_keeps_missing_kinds_and_dtypes():
    frame = pd.DataFrame({
        "text": np.array(["a", None, "b", "a"], dtype=object),
        "nan_text": np.array(["a", np.nan, None, "a"], dtype=object),
        "mixed": np.array([1, "a", None, 2.5], dtype=object),
        "number": [1, 2, 3, 4],
        "day": pd.to_datetime(["2020-01-01", None, "2021-02-03", None]),
        "small": pd.array([1, None, 3, 4], dtype="Int32"),
    }, index=[5, 6, 7, 8])
    unpacked = parallel.unpack_frame(parallel.pack_frame(frame))
    pd.testing.assert_frame_equal(unpacked, frame)
    assert unpacked["text"].iat[1] is None and unpacked["nan_text"].iat[2] is None
    assert unpacked["nan_text"].iat[1] != unpacked["nan_text"].iat[1]


def test_read_raw_rows_equals_stacked_sources(input_dir, always_parallel):
    sources = list(discover_files(input_dir))
    expected = stack_sources([read_source(input_dir, source) for source in sources])
    read, skipped = parallel.read_raw_rows(input_dir, scan_input(input_dir).files)
    pd.testing.assert_frame_equal(read, expected)
    assert skipped == []


def test_pool_workers_take_the_default_signal_handlers(input_dir):
    """Under Dagster the run process turns SIGTERM into a flag or an exception; a worker keeping
    that handler would outlive the pool's terminate() and the parent would wait for it forever."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        with parallel._pool(2, "input_dir", input_dir) as pool:
            handlers = pool.apply(signal.getsignal, (signal.SIGTERM,)), pool.apply(signal.getsignal, (signal.SIGINT,))
            workers = list(pool._pool)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert handlers == (signal.SIG_DFL, signal.SIG_DFL)
    assert all(worker.exitcode == 0 for worker in workers)  # left on the pool's end-of-work message


def test_an_error_in_the_block_terminates_the_workers(input_dir):
    with pytest.raises(ValueError), parallel._pool(2, "input_dir", input_dir) as pool:
        workers = list(pool._pool)
        raise ValueError("stop")
    assert all(worker.exitcode is not None for worker in workers)


@pytest.mark.parametrize("pool", [True, False])
def test_unreadable_files_are_skipped_when_asked(input_dir, tmp_path, monkeypatch, pool):
    import shutil

    if pool:
        monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(parallel, "process_count", lambda: 2)
    folder = tmp_path / "input"
    shutil.copytree(input_dir, folder)
    broken = sorted((folder / "police").iterdir())[0]
    broken.write_bytes(b"\xff\xfe broken")
    files = scan_input(folder).files
    read, skipped = parallel.read_raw_rows(folder, files, skip_unreadable=True)
    rel = f"police/{broken.name}"
    assert [(s.path, s.reason, s.detail) for s in skipped] == [
        (rel, "unreadable_file", "unknown text encoding (expected UTF-8 or GB18030)")]
    expected = stack_sources([read_source(input_dir, s) for s in discover_files(input_dir)])
    expected = expected[expected["file"] != rel].reset_index(drop=True)
    pd.testing.assert_frame_equal(read, expected)
