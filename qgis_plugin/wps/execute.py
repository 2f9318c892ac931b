"""What every Processing algorithm that runs a WPS process shares: its progress and its errors.

The edge algorithm's remote backend and the algorithms of remote WPS providers both follow a job's
status documents into ``feedback`` and turn a :class:`~.protocol.WpsError` into the
``QgsProcessingException`` a user reads, in the same words.
"""

from __future__ import annotations

from qgis.core import QgsProcessingException, QgsProcessingFeedback

from ..translation import tr
from .protocol import (
    SUCCEEDED,
    WpsCanceled,
    WpsExceptionReport,
    WpsHttpError,
    WpsProcessFailed,
    WpsProcessNotFound,
    WpsUnreachable,
)

#: Progress before the job starts (the request is sent) and the share of the job itself.
PROGRESS_START, PROGRESS_SPAN = 5, 85


def status_follower(feedback: QgsProcessingFeedback, describe):
    """An ``on_status`` callback for :meth:`~.client.WpsClient.run`: progress from the job's percentage,
    and ``describe(response)`` (a text, or None to say nothing) logged once per distinct text."""
    said = set()

    def on_status(response):
        percent = 100 if response.status == SUCCEEDED else response.percent
        if percent is not None:
            feedback.setProgress(PROGRESS_START + PROGRESS_SPAN / 100 * max(0, min(100, percent)))
        text = describe(response)
        if text and text not in said:
            said.add(text)
            feedback.pushInfo(text)

    return on_status


def processing_error(exc, *, server: str, process: str, refresh_hint: bool = False) -> QgsProcessingException:
    """The message for users of a WPS failure, with the server's code and text when it gave them.

    ``refresh_hint``: the process came from a cached description, which a refresh may update.
    """
    if isinstance(exc, WpsCanceled):
        return QgsProcessingException(tr(
            "Cancelled: nothing was written. (WPS 1.0.0 cannot stop a job on the server: it runs to its end "
            "there.)"))
    if isinstance(exc, WpsUnreachable):
        return QgsProcessingException(tr("The WPS server {server} cannot be reached: {error}").format(
            server=server, error=exc))
    if isinstance(exc, WpsProcessNotFound) or (
            isinstance(exc, WpsExceptionReport) and exc.locator.lower() == "identifier"):
        hint = tr("; refresh the server's processes") if refresh_hint else ""
        return QgsProcessingException(tr("The WPS server {server} does not offer the process {process}{hint} "
                                         "({error}).").format(server=server, process=process, hint=hint, error=exc))
    if isinstance(exc, WpsExceptionReport):
        return QgsProcessingException(tr("The WPS server refused the request with {code}: {text}").format(
            code=exc.code or tr("no code"), text=exc.text or tr("no message")))
    if isinstance(exc, WpsProcessFailed):
        return QgsProcessingException(tr("The WPS process {process} failed with {code}: {text}").format(
            process=process, code=exc.code or tr("no code"), text=exc.text or tr("no message")))
    if isinstance(exc, WpsHttpError):
        return QgsProcessingException(tr("WPS HTTP error: {error}").format(error=exc))
    return QgsProcessingException(tr("WPS error: {error}").format(error=exc))
