"""A worker node of the distributed tests, started as its own process in its own folder.

The settings come from the environment (never the command line, where ``ps`` shows passwords):
WMSEDGE_BROKER, WMSEDGE_DATABASE, WMSEDGE_WORKER_NAME, WMSEDGE_TASK_TIME_LIMIT,
WMSEDGE_VISIBILITY_TIMEOUT.
"""

import os
import sys

from wps_server.jobs.distributed.worker import run_worker

if __name__ == "__main__":
    sys.exit(run_worker(os.environ["WMSEDGE_BROKER"], os.environ["WMSEDGE_DATABASE"], concurrency=1,
                        hostname=os.environ["WMSEDGE_WORKER_NAME"],
                        task_time_limit=float(os.environ["WMSEDGE_TASK_TIME_LIMIT"]),
                        visibility_timeout=float(os.environ["WMSEDGE_VISIBILITY_TIMEOUT"])))
