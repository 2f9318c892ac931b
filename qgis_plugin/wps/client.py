"""A small WPS 1.0.0 client over QGIS's network stack (no OWSLib).

Why QGIS's network stack (``QgsBlockingNetworkRequest``) rather than OWSLib:
requests then honour the user's QGIS proxy settings, SSL exceptions and
authentication configurations (``authcfg``), a running request stops as soon
as the Processing feedback is cancelled, and the code behaves the same with
the OWSLib that QGIS ships (0.27 on Debian) and any later one, since it uses
none. The XML is built and read here with the standard library.

:class:`WpsClient` sends the requests of :mod:`.protocol` and polls asynchronous
executions; the edge algorithm's remote backend and the remote WPS providers both use it.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree
from typing import Callable
from urllib.parse import urlsplit

from qgis.core import QgsBlockingNetworkRequest, QgsFeedback, QgsFileDownloader
from qgis.PyQt.QtCore import QByteArray, QEventLoop, QTimer, QUrl, QUrlQuery
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..core.files import atomic_path
from ..core.wms import redact
from .protocol import (
    FAILED,
    SUCCEEDED,
    ExecuteResponse,
    ProcessDescription,
    WpsBadResponse,
    WpsCanceled,
    WpsError,
    WpsExceptionReport,
    WpsHttpError,
    WpsProcessFailed,
    WpsProcessNotFound,
    WpsUnreachable,
    children,
    exception_from_report,
    execute_request_xml,
    local_name,
    parse_capabilities,
    parse_execute_response,
    parse_process_description,
    parse_process_descriptions,
    parse_xml,
    qualified_name,
)


class WpsClient:
    """Talks WPS 1.0.0 to one endpoint through ``QgsBlockingNetworkRequest``.

    ``feedback`` (optional) cancels a running request and the polling loop;
    ``authcfg`` is a QGIS authentication configuration id.
    """

    def __init__(self, url: str, *, authcfg: str = "", feedback: QgsFeedback | None = None):
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise WpsError(f"the WPS URL {url!r} must start with http:// or https://")
        self.url = url
        self.authcfg = authcfg
        self.feedback = feedback

    # -- service requests

    def get_capabilities(self) -> list:
        return parse_capabilities(self.capabilities_document())

    def capabilities_document(self) -> bytes:
        """The GetCapabilities XML, checked to be a WPS Capabilities document."""
        body = self._get(self._kvp_url(request="GetCapabilities"), "GetCapabilities request")
        parse_capabilities(body)
        return body

    def descriptions_document(self, identifiers, chunk: int = 20) -> bytes:
        """One ProcessDescriptions XML document describing every process of ``identifiers``.

        Asked ``chunk`` identifiers at a time (a comma-separated list, as WPS 1.0.0
        allows) so that URLs stay short; the answers are merged, and checked.
        """
        identifiers = list(identifiers)
        merged = ElementTree.Element(qualified_name("wps", "ProcessDescriptions"),
                                     {"service": "WPS", "version": "1.0.0"})
        for start in range(0, len(identifiers), chunk):
            body = self._get(self._kvp_url(request="DescribeProcess",
                                           identifier=",".join(identifiers[start:start + chunk])),
                             "DescribeProcess request")
            parse_process_descriptions(body, unusable=[])
            merged.extend(children(parse_xml(body, "DescribeProcess request"), "ProcessDescription"))
        return ElementTree.tostring(merged, encoding="utf-8", xml_declaration=True)

    def describe_process(self, identifier: str) -> ProcessDescription:
        """The process description; :class:`WpsProcessNotFound` when the server has no such process."""
        try:
            body = self._get(self._kvp_url(request="DescribeProcess", identifier=identifier),
                             "DescribeProcess request")
            return parse_process_description(body, identifier)
        except WpsExceptionReport as exc:
            if exc.code == "InvalidParameterValue" or exc.locator.lower() == "identifier":
                raise WpsProcessNotFound(
                    f"the WPS server at {redact(self.url)} has no process named {identifier!r} "
                    f"({exc.code}: {exc.text})") from exc
            raise

    def execute(self, identifier: str, inputs, outputs, *, asynchronous: bool = True) -> ExecuteResponse:
        body = execute_request_xml(identifier, inputs, outputs, asynchronous=asynchronous)
        return parse_execute_response(self._post(self.url, body, "Execute request"))

    def status(self, status_location: str) -> ExecuteResponse:
        return parse_execute_response(self._get(status_location, "status document"))

    def run(self, identifier: str, inputs, outputs, *,
            on_status: Callable[[ExecuteResponse], None] | None = None,
            poll_interval: float = 0.5, max_poll_interval: float = 2.0) -> ExecuteResponse:
        """Execute asynchronously and poll until the process ends; return the final response.

        ``on_status`` sees every status document. Raises :class:`WpsProcessFailed`
        on ProcessFailed and :class:`WpsCanceled` when the feedback is cancelled.
        """
        response = self.execute(identifier, inputs, outputs, asynchronous=True)
        interval = poll_interval
        while True:
            if on_status is not None:
                on_status(response)
            if response.status == FAILED:
                raise WpsProcessFailed(response.exception_code, response.exception_text)
            if response.status == SUCCEEDED:
                return response
            if not response.status_location:
                raise WpsBadResponse("the WPS server accepted the process but gave no statusLocation to poll")
            self._sleep(interval)
            interval = min(interval * 1.5, max_poll_interval)
            response = self.status(response.status_location)

    def download(self, href: str, path: str) -> None:
        """Save the document at ``href`` to ``path`` as it arrives, atomically (no partial file on failure).

        QGIS's file downloader writes each piece to disk as it arrives: an area's COG can be
        gigabytes, which a whole-body request would hold in memory twice.
        """
        self._check_canceled()
        with atomic_path(path) as temporary:
            errors = _download_to_file(href, temporary, self.authcfg, self.feedback)
            self._check_canceled()
            if errors:
                raise WpsHttpError(f"the WPS server at {redact(href)} could not send the output: {'; '.join(errors)}")

    # -- plumbing

    def _kvp_url(self, **params) -> str:
        url = QUrl(self.url)
        query = QUrlQuery(url)
        for key, value in (("service", "WPS"), ("version", "1.0.0"), *params.items()):
            query.removeAllQueryItems(key)
            query.addQueryItem(key, value)
        url.setQuery(query)
        return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)

    def _check_canceled(self):
        if self.feedback is not None and self.feedback.isCanceled():
            raise WpsCanceled("cancelled while waiting for the WPS server")

    def _sleep(self, seconds: float):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._check_canceled()
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        self._check_canceled()

    def _get(self, url: str, what: str) -> bytes:
        return self._send(url, what, lambda blocking, request: blocking.get(request, True, self.feedback))

    def _post(self, url: str, body: bytes, what: str) -> bytes:
        def post(blocking, request):
            request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "text/xml; charset=utf-8")
            return blocking.post(request, QByteArray(body), True, self.feedback)

        return self._send(url, what, post)

    def _send(self, url: str, what: str, send) -> bytes:
        """Send one request; return the body of a 2xx answer, or of an XML error answer.

        WPS servers answer errors with an HTTP 4xx/5xx and an ExceptionReport:
        that document is returned so the caller's parser raises it with its code.
        """
        self._check_canceled()
        blocking = QgsBlockingNetworkRequest()
        if self.authcfg:
            blocking.setAuthCfg(self.authcfg)
        error = send(blocking, QNetworkRequest(QUrl(url)))
        self._check_canceled()
        reply = blocking.reply()
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        body = bytes(reply.content())
        if error == QgsBlockingNetworkRequest.NoError:
            return body
        if status is None:
            raise WpsUnreachable(f"the WPS server at {redact(url)} cannot be reached ({what}): "
                                 f"{blocking.errorMessage() or 'no answer'}")
        if body.lstrip().startswith(b"<"):
            try:
                root = parse_xml(body, what)
            except WpsBadResponse:
                root = None  # an error page: the HTTP status says more
            if root is not None and local_name(root.tag) == "ExceptionReport":
                raise exception_from_report(root)
        raise WpsHttpError(f"the WPS server at {redact(url)} answered the {what} with HTTP {status}")


def _download_to_file(url: str, path: str, authcfg: str, feedback: QgsFeedback | None) -> list:
    """Stream ``url`` into ``path`` with QGIS's network settings; the error messages, if it failed.

    Runs a local event loop in the calling thread (as ``QgsBlockingNetworkRequest`` does), and
    cancels the download within a tenth of a second of the feedback's cancel.
    """
    downloader = QgsFileDownloader(QUrl(url), path, authcfg or "", True)
    loop = QEventLoop()
    errors = []
    downloader.downloadError.connect(errors.extend)
    downloader.downloadExited.connect(loop.quit)
    watch = QTimer()
    watch.setInterval(100)
    watch.timeout.connect(lambda: feedback is not None and feedback.isCanceled() and downloader.cancelDownload())
    watch.start()
    downloader.startDownload()
    loop.exec()
    watch.stop()
    return errors
