"""Asynchronous Execute (storeExecuteResponse + status), in-process: the status document advances
with the job's real progress and ends in ProcessSucceeded with the reference, or ProcessFailed."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

from lxml import etree
from PIL import Image
from pywps import dblog
from pywps.tests import assert_response_accepted, client_for

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

from .helpers import GatedProxy, execute_xml, leftover_files

NS = {"wps": "http://www.opengis.net/wps/1.0.0", "ows": "http://www.opengis.net/ows/1.1"}
DEADLINE = 60.0  # seconds a job may take before the test gives up waiting (not an assertion on speed)



def status_of(document: bytes):
    """(status element name, percentCompleted, text) of an ExecuteResponse."""
    doc = etree.fromstring(document)
    [status] = doc.xpath("wps:Status/*", namespaces=NS)
    return etree.QName(status).localname, status.get("percentCompleted"), " ".join(status.itertext()).strip()


def start(client, layer=LAYER_4326):
    body = execute_xml({"wms": layer, "lat": CENTER_LAT, "lon": CENTER_LON}, mime_type="image/png",
                       asynchronous=True)
    response = client.post("/wps", data=body, content_type="text/xml")
    assert_response_accepted(response)
    location = etree.fromstring(response.data).get("statusLocation")
    assert re.fullmatch(r"http://127\.0\.0\.1:5999/outputs/[0-9a-f-]+\.xml", location)
    return urlsplit(location).path


def poll(client, path, until):
    """Status documents seen until ``until(status)`` holds (each one once)."""
    seen, deadline = [], time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        document = client.get(path).data
        status = status_of(document)
        if not seen or seen[-1] != status:
            seen.append(status)
        if until(status):
            return seen, document
        time.sleep(0.02)
    raise AssertionError(f"the job did not get there within {DEADLINE} s; statuses seen: {seen}")


def test_status_advances_with_the_job_and_ends_with_the_reference(make_app, wms_server):
    with GatedProxy(wms_server.url) as slow_wms:
        client = client_for(make_app(slow_wms.url))
        path = start(client)
        seen, _ = poll(client, path, until=lambda status: "GetMap" in status[2])
        assert seen[-1][:2] == ("ProcessStarted", "5")
        assert "512 x 512 pixels in 1 block (1 x 1)" in seen[-1][2]
        assert "1 GetMap request of at most 2048 pixels a side" in seen[-1][2]
        slow_wms.open()
        seen, document = poll(client, path, until=lambda status: status[0] != "ProcessStarted")
    assert seen[-1][0] == "ProcessSucceeded", seen
    percents = [int(p) for _, p, _ in seen if p is not None]
    assert percents == sorted(percents)
    [reference] = etree.fromstring(document).xpath("//wps:Output/wps:Reference", namespaces=NS)
    assert reference.get("mimeType") == "image/png"
    png = client.get(urlsplit(reference.get("href")).path)
    assert png.status_code == 200
    assert Image.open(io.BytesIO(png.data)).size == (512, 512)
    assert [f for f in leftover_files() if "workdir" in f] == []


def test_failed_job_reports_the_reason(app):
    client = client_for(app)
    path = start(client, layer="no_such_layer")
    seen, document = poll(client, path, until=lambda status: status[0] in ("ProcessSucceeded", "ProcessFailed"))
    name, _, text = seen[-1]
    assert name == "ProcessFailed"
    assert "LayerNotDefined" in text and "no_such_layer" in text
    assert leftover_files() == []


def test_jobs_beyond_parallelprocesses_wait_in_the_queue_then_run(make_app, wms_server):
    """With one job slot, a second job is stored, then started by PyWPS from its saved request."""
    with GatedProxy(wms_server.url) as slow_wms:
        client = client_for(make_app(slow_wms.url, server_extra="parallelprocesses = 1\nmaxprocesses = 5\n"))
        first = start(client)
        poll(client, first, until=lambda status: "GetMap" in status[2])
        second = start(client)
        assert status_of(client.get(second).data)[0] == "ProcessAccepted"
        assert dblog.get_process_counts() == (1, 1)  # one running, one stored in the queue
        slow_wms.open()
        for path in (first, second):
            seen, _ = poll(client, path, until=lambda status: status[0] in ("ProcessSucceeded", "ProcessFailed"))
            assert seen[-1][0] == "ProcessSucceeded", seen
