"""``make cluster-demo``: the server's distributed mode on loopback, checked against one node.

1. a real WMS (QGIS Server over the demo project), private PostgreSQL and Redis (sandbox.services);
2. two gunicorn front ends and two worker nodes (``python -m wps_server worker``), each in its own
   folder, sharing only the database, the broker and the output folder;
3. an area job submitted to the first front end, its blocks spread over both workers (the
   tests poll a job on the other front end: tests/distributed/test_front_ends.py);
4. the same area on a single-node server (the embedded mode), and a check that both COGs agree.

Every process started here is stopped on exit, also on Ctrl-C or failure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sandbox.services import PostgresServer, RedisServer, WpsWorker
from sandbox.wms import LAYER_WORLD
from sandbox.wps import WpsServer, write_config

from .__main__ import DEMO_REQUEST_SIDE, ROOT, area_request, compare_geotiffs, demo_session, run_async

# A smaller area than make demo's (Europe at 0.04 degree pixels): 1000 x 625 pixels, 4 x 2 blocks.
AREA_EXTENT, AREA_PIXEL = (-10.0, 35.0, 30.0, 60.0), 0.04


def node_folder(shared: Path, folder: Path) -> Path:
    """A node's own folder whose ``outputs`` is the shared output folder (an NFS mount, in production)."""
    folder.mkdir(parents=True)
    (folder / "outputs").symlink_to(shared, target_is_directory=True)
    return folder


def blocks_per_worker(workers) -> dict:
    return {w.name: len(re.findall(r"Task wmsedge\.area\.block\[[^]]+\] succeeded", w.log_tail(10**7)))
            for w in workers}


def main(argv=None):
    with demo_session(argv, __doc__.splitlines()[0], ROOT / "demo-output" / "cluster", "wmsedge-cluster-") as session:
        output, stages, scratch, servers, wms = session
        postgres = servers.enter_context(stages.run("start PostgreSQL", PostgresServer().start))
        redis = servers.enter_context(stages.run("start Redis", RedisServer().start))
        print(f"   PostgreSQL on 127.0.0.1:{postgres.port}, Redis on 127.0.0.1:{redis.port}")
        shared = scratch / "shared-output"
        shared.mkdir()
        options = {"wms_extra": f"max_request_size = {DEMO_REQUEST_SIDE}\n",
                   "extra_sections": f"\n[jobs]\nbroker = {redis.url}\ndatabase = {postgres.url}\n"}
        front_ends = [servers.enter_context(stages.run(f"start front end {name} (gunicorn)", WpsServer(
            node_folder(shared, scratch / f"front-{name}"), wms.url, **options).start)) for name in ("a", "b")]
        print("   front ends at " + ", ".join(f.url for f in front_ends))
        workers = []
        for name in ("a", "b"):
            folder = node_folder(shared, scratch / f"worker-{name}")
            config = write_config(folder, wms.url, port=front_ends[0].port, **options)
            workers.append(servers.enter_context(stages.run(f"start worker node {name}", WpsWorker(
                folder, config, f"worker-{name}@cluster-demo").start)))
        request = area_request(LAYER_WORLD, AREA_EXTENT, AREA_PIXEL)
        cluster_cog = stages.run("area job through front end a", run_async, front_ends[0].url,
                                 request, output / "cluster_area.tif")
        print(f"   blocks done per worker: {blocks_per_worker(workers)}")
        single = servers.enter_context(stages.run("start a single-node WPS (embedded mode)", WpsServer(
            scratch / "single", wms.url, wms_extra=options["wms_extra"]).start))
        single_cog = stages.run("the same area on the single node", run_async, single.url, request,
                                output / "single_node_area.tif")
        shape = stages.run("compare both COGs", compare_geotiffs, cluster_cog, single_cog)
        print(f"   identical: {shape[1]} x {shape[0]} pixels, same georeferencing")
    print(stages.table())
    print(f"Cluster demo passed; outputs in {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
