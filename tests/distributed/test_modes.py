"""The job mode is chosen by ``[jobs] broker`` and ``database``: both, neither, or an error naming the
missing one; the embedded mode never imports the distributed one's libraries."""

import subprocess
import sys
from pathlib import Path

import pytest
from pywps import configuration

from sandbox.wps import write_config
from wps_server import config as server_config
from wps_server.config import ConfigError

WMS = "http://127.0.0.1:9/ows/"
REPOSITORY = Path(__file__).resolve().parents[2]
BROKER = "redis://:secret@127.0.0.1:6390/0"
DATABASE = "postgresql://wmsedge:secret@127.0.0.1:5490/wmsedge"


def _config(tmp_path, jobs):
    return write_config(tmp_path / "conf", WMS, extra_sections=f"\n[jobs]\n{jobs}")


@pytest.mark.parametrize(("jobs", "missing"), [(f"broker = {BROKER}\n", "database"),
                                               (f"database = {DATABASE}\n", "broker")])
def test_one_key_alone_is_an_error_naming_the_other(tmp_path, jobs, missing):
    with pytest.raises(ConfigError, match=rf"\[jobs\] {missing} is not"):
        server_config.load([_config(tmp_path, jobs)])


def test_both_keys_choose_the_distributed_mode_and_pywps_keeps_its_jobs_in_postgresql(tmp_path):
    settings = server_config.load([_config(tmp_path, f"broker = {BROKER}\ndatabase = {DATABASE}\n")])
    assert settings.jobs.distributed
    assert (settings.jobs.broker, settings.jobs.database) == (BROKER, DATABASE)
    # PyWPS's dblog hands this URL to SQLAlchemy: the psycopg 3 driver, the same server and database.
    assert configuration.get_config_value("logging", "database") == (
        "postgresql+psycopg://wmsedge:secret@127.0.0.1:5490/wmsedge")


def test_neither_key_is_the_embedded_mode(tmp_path):
    settings = server_config.load([_config(tmp_path, "")])
    assert not settings.jobs.distributed
    assert settings.database.startswith("sqlite:///")


@pytest.mark.parametrize(("jobs", "message"), [
    (f"broker = amqp://127.0.0.1/\ndatabase = {DATABASE}\n", r"\[jobs\] broker must be a redis://"),
    (f"broker = {BROKER}\ndatabase = mysql://127.0.0.1/db\n", r"\[jobs\] database must be a postgresql://"),
    (f"broker = {BROKER}\ndatabase = {DATABASE}\ntime_limit = 0s\n", r"\[jobs\] time_limit"),
])
def test_bad_values_are_errors_naming_their_key(tmp_path, jobs, message):
    with pytest.raises(ConfigError, match=message):
        server_config.load([_config(tmp_path, jobs)])


def test_the_embedded_mode_runs_with_celery_redis_and_psycopg_blocked(tmp_path):
    """create_app and an asynchronous job's admission in a process where those libraries cannot be
    imported at all (as the engine's test blocks qgis)."""
    config = _config(tmp_path, "")
    script = (
        "import sys\n"
        "for name in ('celery', 'kombu', 'redis', 'psycopg', 'psycopg2'):\n"
        "    sys.modules[name] = None\n"
        "from wps_server.app import create_app\n"
        f"app = create_app([{str(config)!r}])\n"
        "from wps_server.jobs import runner\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('wps_server.jobs.distributed'))\n"
        "print(type(runner()).__name__, loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["EmbeddedRunner", "[]"]
