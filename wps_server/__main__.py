"""Development server: ``python -m wps_server [--host H] [--port P] [--config FILE ...]``.

A single-process werkzeug server, like the tutorial's Flask demo; use gunicorn
(``make serve``) for anything else. The URLs the server advertises (``[server]
url`` and ``outputurl``) are moved to the host and port it listens on.

``python -m wps_server cleanup [--config FILE ...] [--older-than 7d]`` deletes the
outputs, status documents and job rows of jobs finished longer ago than that
(default: ``[cleanup] retention``), never those of a queued or running job; see
:mod:`wps_server.jobs.retention`.

``python -m wps_server worker --config FILE [--concurrency N] [--hostname NAME]`` runs a worker
node of the distributed mode (``[jobs] broker`` and ``database`` set), Celery's worker underneath.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit, urlunsplit

from pywps import configuration
from werkzeug.serving import run_simple

from .app import create_app, load_configuration
from .config import ConfigError, parse_duration
from .jobs import retention

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
    print(retention.cleanup(older_than))
    return 0


def worker(argv):
    """``python -m wps_server worker``: a worker node of the distributed mode, until stopped (SIGTERM)."""
    parser = argparse.ArgumentParser(prog="python -m wps_server worker",
                                     description="Run a worker node of the distributed job mode.")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="configuration file read after the default pywps.cfg (repeatable)")
    parser.add_argument("--concurrency", type=int, default=2, metavar="N",
                        help="worker processes (default 2; at least 2: an area job's task waits for its blocks)")
    parser.add_argument("--hostname", metavar="NAME", help="the node's name (default: Celery's, celery@HOST)")
    args = parser.parse_args(argv)
    try:
        settings = load_configuration(args.config)
    except ConfigError as exc:
        parser.error(str(exc))
    if not settings.jobs.distributed:
        parser.error("the configuration sets no [jobs] broker and database: the embedded mode has no workers")
    if args.concurrency < 2:
        parser.error("--concurrency must be at least 2: an area job's task waits while its blocks run")
    from .jobs.distributed.runner import task_limits
    from .jobs.distributed.worker import run_worker

    return run_worker(settings.jobs.broker, settings.jobs.database, concurrency=args.concurrency,
                      hostname=args.hostname, **task_limits(settings.jobs))


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
