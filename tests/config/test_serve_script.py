"""bin/serve (make serve): it refuses to start with a missing secret and names it, and
it reads its environment file as data, never as shell code. (Starting the whole stack
takes minutes: docs/deployment.md shows it; these checks stop before anything starts.)"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SERVE = BASE_DIR / "bin" / "serve"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bin/serve is a bash script")


def _serve(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "SNOWLAND_ENV_FILE": str(env_file),
    }
    return subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [str(SERVE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_missing_secret_stops_it_naming_the_variables(tmp_path):
    env_file = tmp_path / "snowland.env"
    env_file.write_text(
        "# only some of what production needs\n"
        "DJANGO_ALLOWED_HOSTS=cme.example.cn\n"
        "DATABASE_URL=postgres://snowland@db.internal/snowland\n"
    )
    result = _serve(env_file, "start")
    assert result.returncode == 1
    assert f"Reading {env_file}" in result.stdout
    message = next(line for line in result.stderr.splitlines() if "environment variables" in line)
    for name in ("DJANGO_SECRET_KEY", "REDIS_URL", "WAGTAILADMIN_BASE_URL", "SNOWLAND_SIGNING_KEY"):
        assert name in message
    assert "DATABASE_URL" not in message
    assert "the production settings did not load" in result.stderr


def test_the_env_file_is_data_not_shell_code(tmp_path):
    planted = tmp_path / "planted"
    env_file = tmp_path / "snowland.env"
    env_file.write_text(
        f"DJANGO_ALLOWED_HOSTS=$(touch {planted})\n"
        f"WAGTAILADMIN_BASE_URL=`touch {planted}`\n"
        "not a variable line\n"
    )
    result = _serve(env_file, "start")
    assert result.returncode == 1
    assert not planted.exists()
    assert "ignored a line that is not NAME=value" in result.stderr


def test_an_unknown_command_is_refused(tmp_path):
    result = _serve(tmp_path / "none.env", "launch")
    assert result.returncode == 1
    assert "usage: bin/serve [start|stop|restart|status]" in result.stderr
