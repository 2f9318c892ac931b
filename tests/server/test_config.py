"""create_app's configuration: order of files, relative paths, refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pywps import configuration

from sandbox.wps import write_config
from wps_server import config as server_config
from wps_server.app import create_app
from wps_server.config import ConfigError, WmsSettings

WMS = "http://127.0.0.1:9/ows/"
REPOSITORY_CONFIG = Path(__file__).resolve().parents[2] / "pywps.cfg"


def _value(section, key):
    return configuration.get_config_value(section, key)


def test_relative_paths_resolve_against_the_config_folder_not_the_cwd(tmp_path, monkeypatch):
    config = write_config(tmp_path / "conf", WMS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    create_app([config])
    folder = config.parent
    assert _value("server", "outputpath") == str(folder / "outputs")
    assert _value("server", "workdir") == str(folder / "workdir")
    assert _value("logging", "database") == f"sqlite:///{folder / 'var' / 'pywps-logs.sqlite'}"
    assert (folder / "outputs").is_dir() and (folder / "workdir").is_dir()
    assert (folder / "var" / "pywps-logs.sqlite").is_file()
    assert list(elsewhere.iterdir()) == []


def test_later_files_override_earlier_ones_and_pywps_cfg_comes_last(tmp_path, monkeypatch):
    first = write_config(tmp_path / "first", WMS)
    second = tmp_path / "second" / "override.cfg"
    second.parent.mkdir()
    second.write_text("[server]\nworkdir = jobs\n[wms]\ntimeout = 3\n")
    env = tmp_path / "env" / "env.cfg"
    env.parent.mkdir()
    env.write_text("[wms]\ntimeout = 7\n")
    monkeypatch.setenv("PYWPS_CFG", str(env))
    create_app([first, second])
    assert _value("server", "workdir") == str(second.parent / "jobs")  # relative to the file that set it
    assert _value("server", "outputpath") == str(first.parent / "outputs")
    assert WmsSettings.from_config().timeout == 7.0


def test_the_package_defaults_are_read_first(tmp_path, monkeypatch):
    """Keys the given files do not set come from the package's default.cfg, not PyWPS's defaults,
    also where no repository pywps.cfg is beside the package (a pip install)."""
    monkeypatch.setattr(server_config, "CHECKOUT_CONFIG", tmp_path / "absent.cfg")
    config = tmp_path / "deployment.cfg"
    config.write_text("[server]\nurl = http://127.0.0.1:5000/wps\noutputpath = out\nworkdir = work\n"
                      "[logging]\ndatabase = sqlite:///db.sqlite\n[wms]\nurl = http://127.0.0.1:8080/wms\n")
    create_app([config])
    assert _value("server", "parallelprocesses") == "4"
    assert _value("server", "storage_copy_function") == "link"
    assert _value("metadata:main", "identification_title") == "WMS Edge"
    assert WmsSettings.from_config().max_pixels == 2 ** 30  # one gigapixel (GUIDE.md section 4)
    assert _value("server", "outputpath") == str(tmp_path / "out")


def test_without_a_deployment_configuration_the_error_names_the_missing_key(monkeypatch, tmp_path):
    monkeypatch.setattr(server_config, "CHECKOUT_CONFIG", tmp_path / "absent.cfg")
    monkeypatch.delenv("PYWPS_CFG", raising=False)
    with pytest.raises(ConfigError, match=r"\[server\] url is not set"):
        create_app()


def test_the_checkout_configuration_is_read_after_the_package_defaults(monkeypatch, tmp_path):
    """Pointed at the repository's file explicitly: in the pip-only venv the installed package has no
    repository beside it."""
    monkeypatch.setattr(server_config, "CHECKOUT_CONFIG", REPOSITORY_CONFIG)
    monkeypatch.delenv("PYWPS_CFG", raising=False)
    override = tmp_path / "paths.cfg"
    override.write_text("[server]\noutputpath = out\nworkdir = work\n[logging]\ndatabase = sqlite:///db.sqlite\n")
    create_app([override])
    assert _value("server", "url") == "http://127.0.0.1:5000/wps"
    assert _value("server", "outputpath") == str(tmp_path / "out")


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        create_app([tmp_path / "nope.cfg"])


def test_memory_database_is_refused(tmp_path):
    config = write_config(tmp_path, WMS)
    config.write_text(config.read_text().replace("sqlite:///var/pywps-logs.sqlite", "sqlite:///:memory:"))
    with pytest.raises(ConfigError, match="must be a file"):
        create_app([config])


@pytest.mark.parametrize("bad", ["timeout = -1", "timeout = soon", "max_pixels = 0"])
def test_bad_wms_numbers_are_refused_at_startup(tmp_path, bad):
    with pytest.raises(ConfigError, match=bad.split()[0]):
        create_app([write_config(tmp_path, WMS, wms_extra=bad + "\n")])


def test_bad_allowed_url_is_refused_at_startup(tmp_path):
    with pytest.raises(ConfigError, match="not an http"):
        create_app([write_config(tmp_path, WMS, allowed_urls=["file:///etc/passwd"])])


def test_the_default_wms_url_is_always_allowed(tmp_path):
    create_app([write_config(tmp_path, WMS, allowed_urls=["http://other.example/wms"])])
    settings = WmsSettings.from_config()
    assert settings.url_allowed(WMS) and settings.url_allowed("http://other.example/wms")


def test_server_url_path_is_where_the_wps_answers(tmp_path):
    from pywps.tests import client_for

    app = create_app([write_config(tmp_path, WMS)])
    client = client_for(app)
    assert client.get("/wps?service=WPS&request=GetCapabilities").status_code == 200
    assert client.get("/wps/?service=WPS&request=GetCapabilities").status_code == 200
    assert client.get("/other?service=WPS&request=GetCapabilities").status_code == 404
    assert os.path.isdir(_value("server", "outputpath"))


@pytest.mark.parametrize("section, key, value, message", [
    ("processing", "mode", "scheduler", "mode = 'scheduler' is not supported"),
    ("cleanup", "retention", "a week", "'a week' is not a duration"),
    ("cleanup", "interval", "0", "interval must be longer than 0 s"),
])
def test_job_settings_the_server_cannot_honour_are_refused_at_startup(tmp_path, section, key, value, message):
    config = write_config(tmp_path / "conf", WMS, extra_sections=f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=message):
        create_app([config])


def test_without_the_repository_default_jobs_still_run_in_a_forked_process(tmp_path, monkeypatch):
    """A configuration that does not name [processing] mode gets this server's mode
    (multiprocessing, from the package defaults), not PyWPS's "default"."""
    monkeypatch.setattr(server_config, "CHECKOUT_CONFIG", tmp_path / "absent.cfg")
    create_app([write_config(tmp_path / "conf", WMS)])
    assert _value("processing", "mode") == "multiprocessing"
