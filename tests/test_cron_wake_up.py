# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A message queued to go now wakes Odoo's cron workers once its transaction
commits, without the user's request waiting for the wake-up."""

import select
import time
import uuid

import psycopg2
import pytest

import odoo
from odoo import SUPERUSER_ID, api


@pytest.fixture
def registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


@pytest.fixture
def cron_listener():
    """A connection listening, as Odoo's cron workers do, on the
    ``postgres`` database."""
    _name, params = odoo.sql_db.connection_info_for("postgres")
    connection = psycopg2.connect(**params)
    connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    connection.cursor().execute("LISTEN cron_trigger")
    yield connection
    connection.close()


def wake_ups(connection, dbname, timeout):
    """The wake-ups for ``dbname`` received within ``timeout`` seconds."""
    received, deadline = [], time.monotonic() + timeout
    while not received and time.monotonic() < deadline:
        if select.select([connection], [], [], 0.1)[0]:
            connection.poll()
            received += [n for n in connection.notifies if n.payload == dbname]
            connection.notifies.clear()
    return received


def test_message_due_now_wakes_the_cron_workers(registry, cron_listener):
    key = f"wake-up-test:{uuid.uuid4().hex}"
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        partner = env["res.partner"].create(
            {"name": "Wake-up test", "email": "wake-up@example.com"}
        )
        [message_id] = (
            env["crm.alert.message"]
            ._enqueue([{"partner": partner, "dedupe_key": key, "subject": "Now"}])
            .ids
        )
        assert not wake_ups(cron_listener, cr.dbname, 0.3), "not before the commit"
    try:
        assert wake_ups(cron_listener, registry.db_name, 10), "woken after it"
    finally:
        with registry.cursor() as cr:
            cr.execute("DELETE FROM crm_alert_message WHERE id = %s", [message_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [partner.id])
