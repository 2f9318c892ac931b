"""Translation of the plugin's user-visible strings, and loading of its .qm files.

Every string goes through :func:`tr` with the single context ``WmsEdge``, so
``scripts/translations.py`` can collect them without pylupdate5 (which Debian
no longer ships for Qt 5).
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

CONTEXT = "WmsEdge"
I18N_DIR = Path(__file__).resolve().parent / "i18n"


def tr(text: str) -> str:
    """``text`` in the user's language, when a translation is installed."""
    return QCoreApplication.translate(CONTEXT, text)


def user_language() -> str:
    """Two-letter language of the QGIS user interface (``locale/userLocale``)."""
    locale = QgsSettings().value("locale/userLocale", "") or ""
    return str(locale)[:2].lower()


def install_translator(language: str | None = None) -> QTranslator | None:
    """Install the plugin's translator for ``language`` (default: the QGIS locale).

    Returns the installed translator, to be removed on unload, or None when
    there is no translation for that language.
    """
    language = language if language is not None else user_language()
    qm_file = I18N_DIR / f"wmsedge_{language}.qm"
    if not language or not qm_file.is_file():
        return None
    translator = QTranslator()
    if not translator.load(str(qm_file)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
