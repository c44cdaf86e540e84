"""The deployment files: the systemd unit passes `systemd-analyze verify`, and the container
files keep the promises the README makes (non-root, database on a volume, health check on
/healthz, JSON logs, the same port as the settings' default)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.server import HEALTH_PATH

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "agendabot.service"


def unit_settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_systemd_unit_is_hardened_and_keeps_its_state() -> None:
    unit = unit_settings()
    assert unit["DynamicUser"] == ["yes"] and unit["StateDirectory"] == ["agendabot"]
    assert unit["Restart"] == ["on-failure"]
    assert "3" in unit["RestartPreventExitStatus"][0].split()  # every adapter down: no loop
    assert any(v.startswith("AGENDABOT_DB=/var/lib/agendabot/") for v in unit["Environment"])
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert unit[key][0] in ("yes", "strict"), key
    assert unit["UMask"] == ["0077"]


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit was not verified")
    # verify checks that ExecStart exists: point it at this checkout's agendabot.
    program = shutil.which("agendabot") or str(ROOT / ".venv" / "bin" / "agendabot")
    text = UNIT.read_text(encoding="utf-8")
    text = re.sub(r"^ExecStart=\S+", f"ExecStart={program}", text, flags=re.M)
    text = re.sub(r"^EnvironmentFile=", "EnvironmentFile=-", text, flags=re.M)
    copy = tmp_path / "agendabot.service"
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, check=False, timeout=60
    )
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if str(copy) in line or "agendabot.service" in line
    ]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


def dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_container_runs_as_a_user_with_the_database_on_a_volume() -> None:
    lines = dockerfile()
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")) :]
    user = [line.split()[1] for line in final if line.startswith("USER ")]
    assert user and user[-1] not in ("root", "0")
    assert "VOLUME /data" in final
    env = " ".join(line for line in final if line.startswith("ENV "))
    assert "AGENDABOT_DB=/data/" in env and "AGENDABOT_HTTP_HOST=0.0.0.0" in env
    assert "AGENDABOT_LOG_FORMAT=json" in env
    port = Settings.load(environ={}).http_port
    assert f"EXPOSE {port}" in final
    check = next(line for line in final if line.startswith("HEALTHCHECK "))
    assert f"127.0.0.1:{port}{HEALTH_PATH}" in check


def test_compose_uses_the_image_volume_and_a_local_port() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["agendabot"]
    assert service["build"] == "."
    assert any(v.endswith(":/data") for v in service["volumes"])
    assert all(p.startswith("127.0.0.1:") for p in service["ports"])  # a proxy fronts it
    assert service["environment"]["AGENDABOT_DB"].startswith("/data/")
    assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
