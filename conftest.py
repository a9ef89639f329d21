# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest-odoo harness.

Before pytest-odoo loads the registry, this builds a fresh database with the
addon (and its demo data) installed, and refuses to go on when the install
log shows a warning or an error.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import odoo
from odoo.modules.module import initialize_sys_path

ROOT = Path(__file__).resolve().parent
ADDON = "crm_alert_automation"
LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ", re.MULTILINE)


def addons_path():
    """Odoo's own addon folders plus this repository."""
    odoo_dirs = [str(Path(p).resolve()) for p in odoo.addons.__path__]
    paths = [
        p for p in odoo_dirs if Path(p, "base").is_dir() or Path(p, "web").is_dir()
    ]
    return ",".join(dict.fromkeys([*paths, str(ROOT)]))


def odoo_command(database, *args):
    return [
        sys.executable,
        "-m",
        "odoo",
        "--database",
        database,
        "--addons-path",
        addons_path(),
        "--log-level",
        "warn",
        "--http-port",
        "0",
        "--stop-after-init",
        *args,
    ]


def run_odoo(database, *args, timeout=1800):
    """Run an Odoo command; return its log, failing on any warning or error."""
    proc = subprocess.run(
        odoo_command(database, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = proc.stdout + proc.stderr
    problems = [m.group(0) for m in LOG_PROBLEM.finditer(log)]
    if proc.returncode or problems:
        raise RuntimeError(
            f"odoo {' '.join(args)} on {database} failed "
            f"(exit {proc.returncode}):\n{log[-6000:]}"
        )
    return log


def drop_database(database):
    subprocess.run(["dropdb", "--if-exists", "--force", database], check=True)


def create_database(database, demo=True):
    drop_database(database)
    extra = [] if demo else ["--without-demo", "all"]
    return run_odoo(database, "--init", ADDON, *extra)


def pytest_configure(config):
    database = odoo.tools.config["db_name"]
    if not database:
        return
    odoo.tools.config["addons_path"] = addons_path()
    initialize_sys_path()
    if not os.environ.get("CRM_ALERT_REUSE_DB"):
        create_database(database)


@pytest.fixture
def smtp_sink():
    # The addon is importable only once pytest_configure set the addons path.
    from odoo.addons.crm_alert_automation.tests.common import SmtpSink  # noqa: PLC0415

    with SmtpSink() as sink:
        yield sink
