"""`salesdept bench`: one JSON object of latency figures on stdout; nothing written outside a
temporary folder (removed at the end) and, for PostgreSQL, a throwaway database (dropped).

For each database: a child process migrates and seeds (prepare.py), then `salesdept serve` runs
the production settings under gunicorn on a free 127.0.0.1 port, and each workload is measured
over real HTTP from this process; then a last child (inprocess.py) times the service workloads
and runs `check_invariants` over everything the seed and the workloads wrote (a violation fails
the run). Django is never started in this process."""

import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .http import Client, summary
from .workloads import WORKLOADS

SEED = 20261127
FULL_REQUESTS = 500
QUICK_REQUESTS = 50
WARMUP = 5
WORKERS = 2


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "date": datetime.date.today().isoformat(),
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.machine(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "gunicorn_workers": WORKERS,
        "load_average_at_start": _load_average(),
    }


def _load_average() -> list[float] | None:
    """Other work on the machine skews the figures; the load average says how much there was."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env(home: Path, database_url: str, quick: bool = False) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="salesdept.settings",
        SALESDEPT_HOME=str(home),
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain http on loopback; everything else as in production
        PYTHONDONTWRITEBYTECODE="1",
        TMPDIR=str(home),
        LOG_LEVEL="ERROR",
        # seeders scale their data down in quick mode (bench/crm.py)
        SALESDEPT_BENCH_QUICK="1" if quick else "0",
    )
    return env


def _wait_healthy(port: int, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if Client("127.0.0.1", port, timeout=5).get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def bench_database(
    label: str, database_url: str, root: Path, n: int, quick: bool = False, only: set[str] | None = None
) -> dict:
    home = root / label
    home.mkdir()
    env = _child_env(home, database_url, quick)
    _log(f"{label}: migrating and seeding")
    prepared = subprocess.run(
        [sys.executable, "-m", "salesdept.bench.prepare", str(SEED)], env=env, capture_output=True, text=True
    )
    if prepared.returncode != 0:
        raise RuntimeError(f"{label}: preparing the database failed:\n{prepared.stderr[-4000:]}")
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    params = info["params"]
    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "salesdept.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=home,
    )
    result = {
        "database": info["database"],
        "users": params.get("users"),
        "migrate_s": info["migrate_s"],
        "seed_s": info["seed_s"],
    }
    try:
        _wait_healthy(port, server)
        for workload in WORKLOADS:
            if only and workload.name not in only:
                continue
            _log(f"{label}: {workload.name} × {n}")
            workload.measure("127.0.0.1", port, params, WARMUP)
            times, errors = workload.measure("127.0.0.1", port, params, n)
            result[workload.name] = {"what": workload.description, **summary(times, errors)}
    except Exception:
        _stop(server)
        log.close()
        _log((home / "server.log").read_text()[-4000:])
        raise
    _stop(server)
    log.close()
    result.update(_in_process(label, env, home, params, n, only))
    return result


def _in_process(label: str, env: dict, home: Path, params: dict, n: int, only: set[str] | None) -> dict:
    """The service workloads and check_invariants, in a child process with Django (inprocess.py)."""
    _log(f"{label}: service workloads and check_invariants")
    params_file = home / "params.json"
    params_file.write_text(json.dumps(params))
    done = subprocess.run(
        [sys.executable, "-m", "salesdept.bench.inprocess", str(params_file), str(n), ",".join(only or ())],
        env=env,
        capture_output=True,
        text=True,
        cwd=home,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{label}: the in-process workloads failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_url(database_url: str | None) -> str | None:
    url = database_url or os.environ.get("DATABASE_URL") or ""
    return url if urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"} else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


class ThrowawayPostgres:
    """CREATE DATABASE <name>_bench_<random> on the server of `url`; DROP it on exit."""

    def __init__(self, url: str):
        import psycopg

        self.psycopg = psycopg
        base = urlsplit(url).path.lstrip("/") or "salesdept"
        self.name = f"{base}_bench_{secrets.token_hex(4)}"
        self.admin_urls = [url, _with_database(url, "postgres")]
        self.url = _with_database(url, self.name)

    def _connect(self):
        error = None
        for url in self.admin_urls:
            try:
                return self.psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            except self.psycopg.OperationalError as exc:
                error = exc
        raise error

    def __enter__(self) -> str:
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self.url

    def __exit__(self, *exc) -> None:
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


def run(
    *,
    quick: bool = False,
    database_url: str | None = None,
    only: set[str] | None = None,
    skip_sqlite: bool = False,
    requests: int | None = None,
) -> int:
    n = requests or (QUICK_REQUESTS if quick else FULL_REQUESTS)
    output: dict = {"machine": machine(), "requests_per_workload": n}
    root = Path(tempfile.mkdtemp(prefix="salesdept-bench-"))
    failed = False
    try:
        sqlite_url = f"sqlite:///{root / 'sqlite' / 'bench.sqlite3'}"
        if not skip_sqlite:
            output["sqlite"] = bench_database("sqlite", sqlite_url, root, n, quick, only)
        pg = _postgres_url(database_url)
        if pg:
            with ThrowawayPostgres(pg) as url:
                output["postgresql"] = bench_database("postgresql", url, root, n, quick, only)
    except Exception as exc:  # report, but still print what was measured
        output["error"] = str(exc)
        failed = True
    finally:
        shutil.rmtree(root, ignore_errors=True)
    output["machine"]["load_average_at_end"] = _load_average()
    for key in ("sqlite", "postgresql"):
        for figures in output.get(key, {}).values():
            if isinstance(figures, dict) and (figures.get("errors") or figures.get("ok") is False):
                failed = True
    print(json.dumps(output, indent=2, ensure_ascii=False), flush=True)
    return 1 if failed else 0
