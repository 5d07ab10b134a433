"""`rosterlink run --engine spark --spark-master spark://...` against a real Spark standalone cluster
(a master and two 1-core workers on 127.0.0.1, started with the scripts pyspark ships) links the
persons of the pandas engine. The driver is the CLI in a subprocess (this process already holds
the shared local[2] SparkContext); the executors are the workers' JVMs with their own Python
workers, started from an environment without the project on PYTHONPATH: they import it only
through the run's Spark conf (spark.executorEnv.PYTHONPATH, spark.pyspark.python)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pyspark")

from pipelines.benchmarks.demo import write_synthetic_input  # noqa: E402
from pipelines.config import RunConfig  # noqa: E402
from pipelines.files.state import state_dir  # noqa: E402
from pipelines.runner import execute  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
WORKERS = 2
START_TIMEOUT_S = 300  # JVM start of 3 daemons; measured > 90 s at load average 23 on 2 cores
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class StandaloneCluster:
    """A running standalone cluster: its master URL and the folder of its logs and pid files."""

    master_url: str
    root: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _daemon_env(root: Path, spark_home: Path) -> dict[str, str]:
    """The daemons' environment: nothing of this process's Python setup (PYTHONPATH, PYSPARK_*)."""
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONPATH" and not key.startswith(("PYSPARK_", "SPARK_"))}
    for name in ("work", "logs", "pids", "conf", "local"):
        (root / name).mkdir(parents=True, exist_ok=True)
    env.update(SPARK_HOME=str(spark_home), SPARK_LOCAL_IP="127.0.0.1", SPARK_CONF_DIR=str(root / "conf"),
               SPARK_WORKER_DIR=str(root / "work"), SPARK_LOG_DIR=str(root / "logs"),
               SPARK_PID_DIR=str(root / "pids"), SPARK_LOCAL_DIRS=str(root / "local"),
               SPARK_IDENT_STRING="rosterlink-test")
    return env


def _alive_workers(web_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/json/", timeout=2) as reply:
            return int(json.load(reply).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


def _kill_leftovers(pid_dir: Path) -> None:
    """SIGKILL every daemon whose pid file the stop scripts left behind."""
    for pid_file in pid_dir.glob("*.pid"):
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        except (ValueError, ProcessLookupError, PermissionError):
            pass
        pid_file.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory):
    """A Spark standalone master and two workers (1 core, 1g each) on 127.0.0.1, stopped after the module."""
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: a Spark standalone cluster needs a JVM")
    import pyspark

    spark_home = Path(pyspark.__file__).parent
    daemon = spark_home / "sbin" / "spark-daemon.sh"
    root = tmp_path_factory.mktemp("standalone")
    env = _daemon_env(root, spark_home)
    port, web_port = _free_port(), _free_port()
    master_url = f"spark://127.0.0.1:{port}"

    def run(*args: str) -> None:
        subprocess.run(["bash", str(daemon), *args], env=env, check=True, capture_output=True, timeout=60)

    try:
        run("start", MASTER_CLASS, "1", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web_port))
        for number in range(1, WORKERS + 1):
            run("start", WORKER_CLASS, str(number), "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                "--webui-port", str(_free_port()), master_url)
        deadline = time.monotonic() + START_TIMEOUT_S
        while _alive_workers(web_port) < WORKERS:
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in (root / "logs").glob("*.out"))
                pytest.fail(f"the standalone cluster did not register {WORKERS} workers:\n{logs}")
            time.sleep(1)
        yield StandaloneCluster(master_url=master_url, root=root)
    finally:
        for number in range(1, WORKERS + 1):
            subprocess.run(["bash", str(daemon), "stop", WORKER_CLASS, str(number)], env=env,
                           capture_output=True, timeout=60)
        subprocess.run(["bash", str(daemon), "stop", MASTER_CLASS, "1"], env=env, capture_output=True, timeout=60)
        _kill_leftovers(root / "pids")


def _partition(output_dir: Path) -> set[frozenset[str]]:
    links = pd.read_parquet(output_dir / "record_links.parquet", columns=["source", "record_id", "person_id"])
    keys = links["source"] + ":" + links["record_id"]
    return set(keys.groupby(links["person_id"]).agg(frozenset).tolist())


def _cluster_run(cluster: StandaloneCluster, input_dir: Path, output_dir: Path) -> subprocess.CompletedProcess:
    conf = {
        "spark.pyspark.python": sys.executable,
        "spark.executorEnv.PYTHONPATH": str(REPO),
        "spark.driver.host": "127.0.0.1",
        "spark.executor.memory": "768m",
        "spark.executor.cores": "1",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
    }
    command = [sys.executable, "-m", "pipelines.cli", "run", "--engine", "spark", "--input", str(input_dir),
               "--output", str(output_dir), "--spark-master", cluster.master_url]
    for key, value in conf.items():
        command += ["--spark-conf", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SPARK_LOCAL_IP": "127.0.0.1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=REPO)


def _executor_apps(cluster: StandaloneCluster) -> list[Path]:
    """The application folders the workers made for the run's executors."""
    return [app for app in (cluster.root / "work").iterdir() if app.is_dir()]


def test_a_run_on_a_standalone_cluster_links_the_persons_of_the_pandas_engine(standalone_cluster, tmp_path):
    input_dir = tmp_path / "input"
    write_synthetic_input(input_dir, persons=2000, seed=16)
    execute(RunConfig(input_dir=input_dir, output_dir=tmp_path / "pandas"), verbose=False)

    finished = _cluster_run(standalone_cluster, input_dir, tmp_path / "cluster")
    assert finished.returncode == 0, finished.stderr[-4000:]
    pandas_persons, cluster_persons = _partition(tmp_path / "pandas"), _partition(tmp_path / "cluster")
    assert cluster_persons == pandas_persons
    assert len(cluster_persons) < sum(len(p) for p in cluster_persons)  # records were really linked
    apps = _executor_apps(standalone_cluster)
    assert len(apps) == 1  # the run was an application of this cluster ...
    executors = [e for e in apps[0].iterdir() if e.is_dir()]
    assert len(executors) >= WORKERS  # ... on an executor per worker
    scratch = state_dir(tmp_path / "cluster") / "scratch"
    assert scratch.is_dir() and not [p for p in scratch.rglob("*") if p.is_file()]  # records' copy deleted
