"""PyWPS file storage whose status documents are replaced atomically.

PyWPS rewrites a job's status document in place (truncate, then write), so a
client polling it can read an empty or half-written document. Here each
version is written under a temporary name and renamed over the previous one.
"""

from __future__ import annotations

import os

from pywps import configuration
from pywps.inout.storage.file import FileStorage

from qgis_plugin.core.files import atomic_path


class AtomicFileStorage(FileStorage):
    @classmethod
    def from_config(cls) -> AtomicFileStorage:
        return cls(configuration.get_config_value("server", "outputpath"),
                   configuration.get_config_value("server", "outputurl"),
                   copy_function=configuration.get_config_value("server", "storage_copy_function"))

    def write(self, data, destination, data_format=None):
        os.makedirs(self.target, exist_ok=True)
        with atomic_path(os.path.join(self.target, destination)) as temporary:
            with open(temporary, "w", encoding="utf-8") as stream:
                stream.write(data)
        return self.url(destination)
