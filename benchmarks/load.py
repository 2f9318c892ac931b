"""The WPS server under load, beside the WMS it calls under the same load, and the memory of
its gunicorn workers before and after.

Each client is a thread with its own ``requests.Session`` that sends requests back to back for
a bounded time, each for a random point of the pattern raster (the same points, in the same
order, for the WPS and the WMS). WPS: the tutorial's sync Execute, raw PNG, 512 x 512. WMS: the
GetMap our server sends for that tile (514 x 514 with the halo, transparent PNG). Loopback only.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import statistics
import sys
import threading
import time
from collections import defaultdict

import psutil
import requests

from sandbox.wms import RASTERS
from sandbox.wps import WpsServer

from .stages import percentile
from .tile import LAYER, PNG, XML_HEADERS, check_image, execute_request, halo_getmap_params
from .tutorial_baseline import BBOX_SIZE_DEG

CLIENTS = (1, 2, 4, 8)
DURATION = 8.0  # seconds per level and target
SLICES = 4  # each level alternates WMS and WPS slices, so both see the same machine load
WARMUP_REQUESTS = 10
TARGET_CLIENTS = 4
TARGET_RATIO = 0.70
TARGET_RSS_GROWTH_MIB = 10.0
REQUEST_TIMEOUT = 60.0
GROWTH_ROWS = (0, 10_000, 100_000)


def random_points(seed):
    """Endless (lat, lon) inside the pattern raster, a tile's width away from its edges."""
    xmin, ymin, xmax, ymax = RASTERS[LAYER].bounds
    generator = random.Random(seed)
    while True:
        yield (generator.uniform(ymin + BBOX_SIZE_DEG, ymax - BBOX_SIZE_DEG),
               generator.uniform(xmin + BBOX_SIZE_DEG, xmax - BBOX_SIZE_DEG))


def wps_call(url):
    def call(session, lat, lon):
        response = session.post(url, data=execute_request(lat, lon, PNG), headers=XML_HEADERS,
                                timeout=REQUEST_TIMEOUT)
        check_image(response, PNG)
    return call


def wms_call(url):
    def call(session, lat, lon):
        response = session.get(url, params=halo_getmap_params(lat, lon), timeout=REQUEST_TIMEOUT)
        check_image(response, PNG)
    return call


def drive(call, clients: int, duration: float, seed: int, points=random_points) -> dict:
    """``clients`` threads calling back to back for ``duration`` seconds, each over its own
    ``points(seed)`` sequence of (lat, lon); throughput and latencies."""
    latencies, errors, lock = [], [], threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index):
        centres = points(seed * 100 + index)
        with requests.Session() as session:
            start_barrier.wait()
            while time.perf_counter() < deadline[0]:
                lat, lon = next(centres)
                began = time.perf_counter()
                try:
                    call(session, lat, lon)
                except Exception as exc:  # every failure counts as an error, and the run goes on
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start_barrier.wait()
    for thread in threads:
        thread.join(duration + REQUEST_TIMEOUT + 5)
    return latencies, errors, time.perf_counter() - began


class Level:
    """What one target did at one number of clients, summed over the slices of the level."""

    def __init__(self, clients):
        self.clients = clients
        self.latencies, self.errors, self.elapsed = [], [], 0.0
        self.cpu_ms = defaultdict(float)
        self.machine_busy = self.machine_total = 0.0

    def add(self, driven, cpu_ms, machine):
        latencies, errors, elapsed = driven
        self.latencies += latencies
        self.errors += errors
        self.elapsed += elapsed
        for part, value in cpu_ms.items():
            self.cpu_ms[part] += value
        self.machine_busy += machine[0]
        self.machine_total += machine[1]

    def summary(self) -> dict:
        milliseconds = [value * 1e3 for value in self.latencies]
        count = len(self.latencies)
        return {
            "clients": self.clients, "requests": count, "errors": len(self.errors), "first_error": self.errors[:1],
            "rps": count / self.elapsed, "p50": percentile(milliseconds, 0.50),
            "p95": percentile(milliseconds, 0.95), "p99": percentile(milliseconds, 0.99),
            "cpu_per_request": {part: value / max(count, 1) for part, value in self.cpu_ms.items()},
            "machine_busy": self.machine_busy / self.machine_total if self.machine_total else float("nan"),
        }


def worker_memory(master_pid: int) -> dict:
    """{worker pid: (RSS, USS) in MiB} of a gunicorn master's workers."""
    memory = {}
    for worker in psutil.Process(master_pid).children():
        info = worker.memory_full_info()
        memory[worker.pid] = (info.rss / 2**20, info.uss / 2**20)
    return memory


class CpuMeter:
    """CPU seconds (user + system) used by whole process trees (a server's master, its workers
    and their children) and by this process (the client threads) between ``start`` and ``stop``."""

    def __init__(self, **trees):
        self.trees = trees  # {part name: pid of the tree's root}

    def _sample(self):
        sample = {part: tree_cpu(pid) for part, pid in self.trees.items()}
        sample["clients"] = _cpu(psutil.Process())
        return sample

    def measure(self, function):
        """Run ``function``; return (its result, {part: CPU ms}, (machine CPU s busy, machine CPU s in all))."""
        before, machine_before = self._sample(), psutil.cpu_times()
        result = function()
        after, machine_after = self._sample(), psutil.cpu_times()
        machine_total = sum(machine_after) - sum(machine_before)
        machine_busy = machine_total - (machine_after.idle - machine_before.idle)
        return result, {part: (after[part] - before[part]) * 1e3 for part in before}, (machine_busy, machine_total)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its live descendants (a process that ended between two
    samples takes its time with it: gunicorn's sync workers live as long as the server)."""
    root = psutil.Process(pid)
    return _cpu(root) + sum(_cpu(child) for child in root.children(recursive=True))


def _cpu(process):
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


def database_growth(folder) -> list:
    """(rows, ms) of the slot count an async Execute runs (``wps_server.jobs.store.counts``), on a job
    database holding that many finished jobs (the retention cleanup bounds their number)."""
    from pywps import configuration, dblog

    from wps_server.jobs import store

    previous = {key: str(configuration.get_config_value("logging", key)) for key in ("database", "level")}
    path = folder / "growth.sqlite"
    configuration.CONFIG.set("logging", "database", f"sqlite:///{path}")
    configuration.CONFIG.set("logging", "level", "WARNING")  # no SQL echo
    results = []
    try:
        dblog.get_session().close()  # creates PyWPS's tables
        store.prepare_database()  # and the index the count uses
        with contextlib.closing(sqlite3.connect(path)) as connection:
            for rows in GROWTH_ROWS:
                have = connection.execute("SELECT count(*) FROM pywps_requests").fetchone()[0]
                connection.executemany(
                    "INSERT INTO pywps_requests (uuid, pid, operation, version, time_start, time_end, identifier, "
                    "message, percent_done, status) VALUES (?, 1, 'execute', '1.0.0', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:01', 'get_raster_process', 'done', 100, 4)",
                    ((f"row-{index}",) for index in range(have, rows)))
                connection.commit()
                times = []
                for _ in range(15):
                    start = time.perf_counter()
                    with contextlib.closing(dblog.get_session()) as session:
                        store.counts(session)
                    times.append((time.perf_counter() - start) * 1e3)
                results.append((rows, statistics.median(times)))
    finally:
        for key, value in previous.items():
            configuration.CONFIG.set("logging", key, value.replace("%", "%%"))
    return results


def served_rows(server) -> int:
    """Rows in the WPS server's job database (``[logging] database`` of the sandbox config)."""
    with contextlib.closing(sqlite3.connect(server.workdir / "var" / "pywps-logs.sqlite")) as connection:
        return connection.execute("SELECT count(*) FROM pywps_requests").fetchone()[0]


def more_workers(servers, workers):
    """The WPS with ``workers`` gunicorn workers, under TARGET_CLIENTS clients."""
    with WpsServer(servers.folder / f"wps-{workers}-workers", servers.wms.url, workers=workers) as server:
        call = wps_call(server.url)
        warm = random_points(0)
        with requests.Session() as session:
            for _ in range(WARMUP_REQUESTS):
                call(session, *next(warm))
        level = Level(TARGET_CLIENTS)
        level.add(drive(call, TARGET_CLIENTS, DURATION, seed=TARGET_CLIENTS), {}, (0.0, 0.0))
        return level.summary()


def warm_up(calls, points, count):
    """``count`` rounds of every call in ``calls`` at the next point of ``points``, answers dropped."""
    with requests.Session() as session:
        for _ in range(count):
            lat, lon = next(points)
            for call in calls:
                call(session, lat, lon)


def run(servers):
    """Return (markdown lines, headline dict)."""
    wps, wms = wps_call(servers.wps.url), wms_call(servers.wms.url)
    warm_up((wms, wps), random_points(0), WARMUP_REQUESTS)
    memory_before = worker_memory(servers.wps.process.pid)
    meter = CpuMeter(wps=servers.wps.process.pid, wms=servers.wms.process.pid)
    results = []
    for clients in CLIENTS:
        print(f"  load: {clients} client(s) ...", file=sys.stderr)
        direct, ours = Level(clients), Level(clients)
        for part in range(SLICES):
            seed = clients * 100 + part
            for level, call in ((direct, wms), (ours, wps)):
                level.add(*meter.measure(
                    lambda c=call, n=clients, s=seed: drive(c, n, DURATION / SLICES, seed=s)))
        results.append((clients, ours.summary(), direct.summary()))
    memory_after = worker_memory(servers.wps.process.pid)
    served = sum(ours["requests"] + ours["errors"] for _, ours, _ in results)
    rows_after = served_rows(servers.wps)
    growth = database_growth(servers.folder)
    cores = os.cpu_count() or 1
    workers = 2 * cores + 1
    print(f"  load: {TARGET_CLIENTS} clients, {workers} workers ...", file=sys.stderr)
    wider = more_workers(servers, workers)

    lines = [
        "## The server under load", "",
        "Clients are threads of the benchmark process, each with its own `requests.Session`, sending requests "
        f"back to back for {DURATION:g} s per level and target, each for a random point of the pattern raster "
        "(the same points for both targets). WPS: the tutorial's sync Execute, raw PNG, 512 x 512, to gunicorn with "
        f"{len(memory_before)} sync workers. WMS: the GetMap the server sends for that tile (514 x 514, "
        f"transparent PNG), straight to QGIS Server. Each level alternates {SLICES} slices of "
        f"{DURATION / SLICES:g} s to the WMS and to the WPS, so that both see the same load of this shared machine. "
        "Latencies in ms.", "",
        "| clients | WPS req/s | p50 | p95 | p99 | errors | WMS req/s | p50 | p95 | p99 | errors | "
        "**WPS / WMS** |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for clients, ours, direct in results:
        lines.append(
            f"| {clients} | {ours['rps']:.1f} | {ours['p50']:.0f} | {ours['p95']:.0f} | {ours['p99']:.0f} | "
            f"{ours['errors']} | {direct['rps']:.1f} | {direct['p50']:.0f} | {direct['p95']:.0f} | "
            f"{direct['p99']:.0f} | {direct['errors']} | **{ours['rps'] / direct['rps']:.0%}** |")
    for clients, ours, direct in results:
        for name, result in (("WPS", ours), ("WMS", direct)):
            if result["first_error"]:
                lines.append(f"\nFirst {name} error at {clients} clients: `{result['first_error'][0]}`")
    at_target = next(item for item in results if item[0] == TARGET_CLIENTS)
    lines += [
        "", f"With {workers} workers (gunicorn's suggested 2 x {cores} cores + 1) instead of {len(memory_before)}, "
        f"at {TARGET_CLIENTS} clients: {wider['rps']:.1f} req/s, p50 {wider['p50']:.0f} ms, p95 {wider['p95']:.0f} "
        f"ms, {wider['errors']} errors: **{wider['rps'] / at_target[2]['rps']:.0%}** of the WMS throughput above.",
        "", "### Where the CPU goes under load", "",
        f"CPU time (user + system, psutil) used during each level, per successful request, ms; the limit is "
        f"{cores} cores divided by that total. Machine busy: share of all {cores} cores' time not idle during "
        "the level, whoever used it (QGIS Server answers one request at a time, so the WMS alone leaves a "
        "core mostly free; other users of this machine count too).", "",
        "| clients | sent to | req/s | WPS (gunicorn tree) | QGIS Server | client threads | total | CPU limit req/s | "
        "machine busy |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for clients, ours, direct in results:
        for target, result in (("WPS", ours), ("WMS", direct)):
            per_request = result["cpu_per_request"]
            total = sum(per_request.values())
            lines.append(f"| {clients} | {target} | {result['rps']:.1f} | {per_request['wps']:.1f} | "
                         f"{per_request['wms']:.1f} | {per_request['clients']:.1f} | {total:.1f} | "
                         f"{cores * 1e3 / total:.0f} | {result['machine_busy']:.0%} |")
    lines += ["", "### Memory of the gunicorn workers", "",
              f"RSS and USS (memory unique to the process) of each worker, after {WARMUP_REQUESTS} warm-up "
              f"requests and the tile benchmark (before) and after the {served} Execute requests of the load "
              "(after), MiB.", "",
              "| worker | RSS before | RSS after | USS before | USS after | RSS growth |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    growths = []
    for pid, (rss, uss) in memory_before.items():
        if pid in memory_after:
            rss_after, uss_after = memory_after[pid]
            growths.append(rss_after - rss)
            lines.append(f"| pid {pid} | {rss:.1f} | {rss_after:.1f} | {uss:.1f} | {uss_after:.1f} | "
                         f"{rss_after - rss:+.1f} |")
        else:
            lines.append(f"| pid {pid} | {rss:.1f} | gone (worker restarted) | {uss:.1f} | | |")
    new_workers = sorted(set(memory_after) - set(memory_before))
    if new_workers:
        lines.append(f"\nNew workers after the load: {', '.join(map(str, new_workers))} (a worker died).")
    base_ms = growth[0][1]
    lines += [
        "", "### The job database", "",
        "PyWPS 4.8 writes one row per request served into its job database (`[logging] database`) and never "
        "removes it. Our server records only asynchronous jobs (a synchronous Execute, GetCapabilities and "
        f"DescribeProcess leave no row): the server held {rows_after} rows after this run of {served} "
        "synchronous Execute requests. Job rows older than `[cleanup] retention` are deleted "
        "(`python -m wps_server cleanup`, or by the server itself). An async Execute counts the running jobs "
        "(`wps_server.jobs.store.counts`, with an index on the status); its time on a scratch database holding that "
        "many finished jobs (median of 15):", "",
        "| rows | ms per async Execute | added |", "| ---: | ---: | ---: |",
        *[f"| {rows} | {ms:.1f} | {ms - base_ms:+.1f} |" for rows, ms in growth],
        "",
    ]
    headline = {
        "ratio_at_target": at_target[1]["rps"] / at_target[2]["rps"],
        "errors_at_target": at_target[1]["errors"],
        "wps_rps_at_target": at_target[1]["rps"],
        "wms_rps_at_target": at_target[2]["rps"],
        "ratio_more_workers": wider["rps"] / at_target[2]["rps"],
        "workers": len(memory_before),
        "cpu_at_target": at_target[1]["cpu_per_request"],
        "busy_at_target": at_target[1]["machine_busy"],
        "more_workers": workers,
        "max_rss_growth": max(growths) if growths and not new_workers else float("inf"),
        "results": results,
    }
    return lines, headline


def targets(headline):
    """(target, measured, met?, why not) rows for the load and memory sections."""
    ratio, errors = headline["ratio_at_target"], headline["errors_at_target"]
    growth = headline["max_rss_growth"]
    cpu = headline["cpu_at_target"]
    cores = os.cpu_count() or 1
    budget = cores * 1e3 / (TARGET_RATIO * headline["wms_rps_at_target"])
    why_ratio = (f"CPU-bound: {TARGET_RATIO:.0%} of the WMS rate on {cores} cores allows {budget:.0f} ms of CPU "
                 f"per Execute in all; it takes {sum(cpu.values()):.0f} ms: WPS workers {cpu['wps']:.0f} ms "
                 f"(see the tile section), QGIS Server {cpu['wms']:.0f} ms, clients "
                 f"{cpu['clients']:.1f} ms (machine {headline['busy_at_target']:.0%} busy)")
    return [
        (f"{TARGET_CLIENTS} clients: WPS throughput ≥ {TARGET_RATIO:.0%} of direct WMS throughput",
         f"{ratio:.0%} ({headline['wps_rps_at_target']:.1f} vs {headline['wms_rps_at_target']:.1f} req/s; "
         f"{headline['ratio_more_workers']:.0%} with {headline['more_workers']} workers)",
         ratio >= TARGET_RATIO, "" if ratio >= TARGET_RATIO else why_ratio),
        (f"{TARGET_CLIENTS} clients: zero errors", f"{errors}", errors == 0,
         "" if errors == 0 else "see the first error under the load table"),
        (f"gunicorn worker RSS growth over the load < {TARGET_RSS_GROWTH_MIB:g} MiB (no sign of a leak)",
         f"{growth:+.1f} MiB (largest of the workers)", growth < TARGET_RSS_GROWTH_MIB,
         "" if growth < TARGET_RSS_GROWTH_MIB else "see the memory table"),
    ]
