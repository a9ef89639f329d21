# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Install without demo data and uninstall, on a scratch database."""

import subprocess
import sys

import pytest

import odoo
from conftest import addons_path, create_database, drop_database


@pytest.fixture
def scratch_db():
    # Named after the test database: runs on other databases never share it.
    scratch = f"{odoo.tools.config['db_name']}_nodemo"
    yield scratch
    drop_database(scratch)


def _columns(database, table):
    out = subprocess.run(
        [
            "psql",
            "-d",
            database,
            "-Atc",
            f"SELECT column_name FROM "
            f"information_schema.columns WHERE table_name = '{table}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_install_without_demo_then_uninstall(scratch_db):
    # create_database fails on any WARNING or ERROR line in the install log
    create_database(scratch_db, demo=False)
    assert "crm_alert_activity_interval" in _columns(scratch_db, "res_company")

    uninstall = (
        "env['ir.module.module'].search([('name', '=', 'crm_alert_automation')])"
        ".button_immediate_uninstall()\nenv.cr.commit()\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "shell",
            "--database",
            scratch_db,
            "--addons-path",
            addons_path(),
            "--no-http",
            "--log-level",
            "warn",
        ],
        input=uninstall,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert " ERROR " not in proc.stderr, proc.stderr[-4000:]
    assert "crm_alert_activity_interval" not in _columns(scratch_db, "res_company")
