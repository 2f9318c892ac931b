"""Development server: ``python -m wps_server [--host H] [--port P] [--config FILE ...]``.

A single-process werkzeug server, like the tutorial's Flask demo; use gunicorn
(``make serve``) for anything else. The URLs the server advertises (``[server]
url`` and ``outputurl``) are moved to the host and port it listens on.

``python -m wps_server cleanup [--config FILE ...] [--older-than 7d]`` deletes the
outputs, status documents and job rows of jobs finished longer ago than that
(default: ``[cleanup] retention``), never those of a queued or running job, after any cleanup
running meanwhile (in the distributed mode, on any node); see :mod:`wps_server.jobs.retention`.

``python -m wps_server worker --config FILE [--concurrency N] [--jobs M] [--hostname NAME]`` runs a
worker node of the distributed mode (``[jobs] broker`` and ``database`` set), Celery's workers
underneath: N processes for area blocks, M for jobs.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from pywps import configuration
from werkzeug.serving import run_simple

from .app import EdgeService, create_app, load_configuration
from .config import ConfigError, parse_duration
from .jobs import retention
from .processes import processes

_WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["cleanup"]:
        return cleanup(argv[1:])
    if argv[:1] == ["worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m wps_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="configuration file read after the default pywps.cfg (repeatable)")
    args = parser.parse_args(argv)
    app = create_app(args.config)
    for key in ("url", "outputurl"):
        configuration.CONFIG.set("server", key, _moved(configuration.get_config_value("server", key), args))
    print(f"WPS at {configuration.get_config_value('server', 'url')} (Ctrl-C to stop)")
    run_simple(args.host, args.port, app, use_reloader=False, threaded=False)


def cleanup(argv):
    """``python -m wps_server cleanup``: one retention run, its report on stdout."""
    parser = argparse.ArgumentParser(prog="python -m wps_server cleanup",
                                     description="Delete finished jobs' outputs, status documents and job rows.")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="configuration file read after the default pywps.cfg (repeatable)")
    parser.add_argument("--older-than", metavar="AGE",
                        help="e.g. 7d, 12h, 30m (default: [cleanup] retention of the configuration)")
    args = parser.parse_args(argv)
    try:
        settings = load_configuration(args.config)
        age = args.older_than or settings.cleanup.retention
        if age is None:
            parser.error("give --older-than, or set [cleanup] retention in the configuration")
        older_than = parse_duration(age) if isinstance(age, str) else age
    except ConfigError as exc:
        parser.error(str(exc))
    print(retention.run_now(older_than))
    return 0


def worker(argv):
    """``python -m wps_server worker``: a worker node of the distributed mode, until stopped (SIGTERM).

    Two Celery workers: this process serves the blocks' queue, a child process the jobs' queue
    (jobs wait for their blocks, so they never share processes with them); ``--queue`` runs one."""
    parser = argparse.ArgumentParser(prog="python -m wps_server worker",
                                     description="Run a worker node of the distributed job mode.")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="configuration file read after the default pywps.cfg (repeatable)")
    parser.add_argument("--concurrency", type=int, default=2, metavar="N",
                        help="processes computing area blocks (default 2)")
    parser.add_argument("--jobs", type=int, default=2, metavar="M",
                        help="processes running jobs, i.e. jobs running at once on this node (default 2)")
    parser.add_argument("--queue", choices=("jobs", "blocks"), help="serve only this queue (default: both)")
    parser.add_argument("--hostname", metavar="NAME", default=f"wmsedge@{socket.gethostname()}",
                        help="the node's name (default: wmsedge@HOST); its jobs' worker is jobs-NAME")
    args = parser.parse_args(argv)
    try:
        settings = load_configuration(args.config)
    except ConfigError as exc:
        parser.error(str(exc))
    if not settings.jobs.distributed:
        parser.error("the configuration sets no [jobs] broker and database: the embedded mode has no workers")
    if min(args.concurrency, args.jobs) < 1:
        parser.error("--concurrency and --jobs must be at least 1")
    from .jobs.distributed.celery_app import JOB_QUEUE, QUEUE
    from .jobs.distributed.job import serve
    from .jobs.distributed.runner import task_limits
    from .jobs.distributed.worker import run_worker

    serve(EdgeService(processes))

    jobs = None
    if args.queue is None:
        jobs = subprocess.Popen([sys.executable, "-m", "wps_server", "worker", *argv, "--queue", "jobs"])
    try:
        jobs_queue = args.queue == "jobs"
        return run_worker(settings.jobs.broker, settings.jobs.database,
                          concurrency=args.jobs if jobs_queue else args.concurrency,
                          queues=(JOB_QUEUE if jobs_queue else QUEUE,),
                          hostname=f"jobs-{args.hostname}" if jobs_queue else args.hostname,
                          **task_limits(settings.jobs))
    finally:
        if jobs is not None:
            jobs.terminate()
            jobs.wait()


def _moved(url, args):
    """``url`` on the listening host and port (a wildcard address keeps the configured host)."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https"):
        return url
    host = parts.hostname if args.host in _WILDCARD_HOSTS else args.host
    host = f"[{host}]" if ":" in host else host
    return urlunsplit(parts._replace(netloc=f"{host}:{args.port}"))


if __name__ == "__main__":
    sys.exit(main())
