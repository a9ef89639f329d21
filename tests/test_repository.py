# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The repository's own promises: CI fails loudly, docker-compose is sound."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _shim(folder, name, script):
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + script + "\n")
    path.chmod(0o755)


def _run_ci(shims):
    env = dict(os.environ, PATH=f"{shims}:{os.environ['PATH']}")
    return subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_ci_fails_clearly_without_odoo(tmp_path):
    # python3 without site-packages cannot import the installed Odoo
    _shim(tmp_path, "python3", f'exec {sys.executable} -S "$@"')
    proc = _run_ci(tmp_path)
    assert proc.returncode != 0
    assert "CI FAILED: python3 cannot import Odoo 18" in proc.stderr


def test_ci_fails_clearly_without_postgresql(tmp_path):
    _shim(tmp_path, "pg_isready", 'echo "127.0.0.1:5432 - no response"; exit 2')
    _shim(tmp_path, "pg_ctlcluster", "exit 1")
    proc = _run_ci(tmp_path)
    assert proc.returncode != 0
    assert "CI FAILED: PostgreSQL is not reachable" in proc.stderr


def test_docker_compose_is_sound():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "odoo", "mailpit"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
    odoo = services["odoo"]
    assert odoo["image"].startswith("odoo:18")
    assert odoo["depends_on"]["db"]["condition"] == "service_healthy"
    assert "--init=crm_alert_automation" in odoo["command"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in odoo["volumes"]}
    source = mounts["/mnt/extra-addons/crm_alert_automation"]
    assert (ROOT / source / "__manifest__.py").is_file()
    assert set(compose["volumes"]) == {"db-data", "odoo-data"}
    # Mailpit answers on the demo alerts server's address, localhost:1025
    assert services["mailpit"]["network_mode"] == "service:odoo"
    assert services["mailpit"]["environment"]["MP_SMTP_BIND_ADDR"].endswith(":1025")
    demo = (ROOT / "crm_alert_automation/demo/crm_alert_demo.xml").read_text()
    assert '<field name="smtp_port">1025</field>' in demo
    assert "8025:8025" in odoo["ports"] and "8069:8069" in odoo["ports"]


def test_manifest():
    manifest = ast.literal_eval(
        (ROOT / "crm_alert_automation" / "__manifest__.py").read_text()
    )
    assert manifest["version"] == "18.0.1.0.0"
    assert manifest["license"] == "LGPL-3"
    for path in manifest["data"] + manifest["demo"]:
        assert (ROOT / "crm_alert_automation" / path).is_file(), path
    kinds = [path.split("/")[0] for path in manifest["data"]]
    order = ["security", "views", "data"]
    assert kinds == sorted(kinds, key=order.index), "security → views → data"


def test_lint_tools_available():
    assert shutil.which("ruff") and shutil.which("pylint")
