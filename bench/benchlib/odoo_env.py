# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo from a bench script: addons path, database, registry, cursors."""

import importlib
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIGURED = []  # the database open_registry() configured Odoo for


def log(message):
    print(message, file=sys.stderr, flush=True)


def odoo_addons_dirs():
    """Odoo's addons directories that hold modules (the source tree's, and
    site-packages' odoo/addons where pip puts OCA modules), then this repo."""
    dirs = []
    for path in odoo.addons.__path__:
        path = Path(path).resolve()
        if any(path.glob("*/__manifest__.py")) and str(path) not in dirs:
            dirs.append(str(path))
    return [*dirs, str(ROOT)]


def unused_local_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_database(database, addons_dirs, modules):
    log(f"creating {database} with {', '.join(modules)} (no demo data)...")
    subprocess.run(["dropdb", "--if-exists", "--force", database], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "--database",
            database,
            "--addons-path",
            ",".join(addons_dirs),
            "--init",
            ",".join(modules),
            "--without-demo",
            "all",
            "--stop-after-init",
            "--no-http",
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
        ],
        check=True,
    )


def open_registry(database, addons_dirs, smtp_port):
    """The registry of ``database``; Odoo's configuration is set by the
    first call of a process (Odoo cannot parse it twice)."""
    if not CONFIGURED:
        CONFIGURED.append(database)
        odoo.tools.config.parse_config(
            [
                "--database",
                database,
                "--addons-path",
                ",".join(addons_dirs),
                "--log-level",
                "warn",
                "--max-cron-threads",
                "0",
                "--smtp",
                "127.0.0.1",
                "--smtp-port",
                str(smtp_port),
            ]
        )
    return odoo.modules.registry.Registry(database)


@contextmanager
def committed(registry):
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def rolled_back(registry):
    cr = registry.cursor()
    try:
        yield api.Environment(cr, SUPERUSER_ID, {})
    finally:
        cr.rollback()
        cr.close()


def vacuum(database, analyze=False):
    """What autovacuum would have done by the time a cron runs: statistics
    (``analyze``), and no dead rows left by the previous rolled-back
    measurement (they'd slow the next one's index scans)."""
    command = "VACUUM (INDEX_CLEANUP ON%s)" % (", ANALYZE" if analyze else "")
    subprocess.run(["psql", "-X", "-q", "-d", database, "-c", command], check=True)


def last_id(env, table):
    env.cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
    return env.cr.fetchone()[0]


def dispatcher_module():
    """The addon's dispatcher module (importable once the registry is up)."""
    return importlib.import_module(
        "odoo.addons.crm_alert_automation.models.crm_alert_message"
    )
