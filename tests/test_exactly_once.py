# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exactly once, with real commits: a worker killed between two batches, and
two workers overlapping on the same outbox."""

import signal
import subprocess
import sys
import textwrap
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from workers import (
    company_sending_alerts,
    remove_committed_activities,
    run_two_workers,
)

import odoo
from conftest import addons_path
from odoo import SUPERUSER_ID, Command, api, fields

ACTIVITIES = 24


@pytest.fixture
def registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


@pytest.fixture
def committed_activities(registry, smtp_sink):
    """A company whose alerts go to ``smtp_sink`` and ACTIVITIES activities
    whose reminders are due now, all committed; removed afterwards."""
    run = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # Only this company alerts during the test: the demo company's own
        # activities come due as the clock moves and would share the batches.
        others = env["res.company"].search(
            [
                "|",
                ("crm_alert_activity_enabled", "=", True),
                ("crm_alert_late_enabled", "=", True),
            ]
        )
        saved = {
            c.id: (c.crm_alert_activity_enabled, c.crm_alert_late_enabled)
            for c in others
        }
        others.write(
            {"crm_alert_activity_enabled": False, "crm_alert_late_enabled": False}
        )
        # ... and their pending messages wait until the test is over.
        cr.execute(
            "UPDATE crm_alert_message SET next_try = next_try + interval '100 years' "
            "WHERE state IN ('queued', 'retry') RETURNING id"
        )
        postponed = [row[0] for row in cr.fetchall()]
        company = company_sending_alerts(
            env,
            f"Exactly Once {run}",
            smtp_sink.port,
            "alerts@once.example.com",
            crm_alert_activity_enabled=True,
            crm_alert_activity_interval=72,
        )
        users = env["res.users"].create(
            [
                {
                    "name": f"Once User {i}",
                    "login": f"once_user_{i}_{run}@once.example.com",
                    "email": f"once_user_{i}@once.example.com",
                    "tz": tz,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.link(env.ref("base.group_user").id)],
                }
                for i, tz in enumerate(
                    ["Asia/Jakarta", "Asia/Ho_Chi_Minh", "Europe/Warsaw"]
                )
            ]
        )
        partners = env["res.partner"].create(
            [{"name": f"Once Customer {i}"} for i in range(ACTIVITIES)]
        )
        tomorrow = fields.Date.today() + timedelta(days=1)
        activities = env["mail.activity"].create(
            [
                {
                    "res_model_id": env["ir.model"]._get_id("res.partner"),
                    "res_id": partners[i].id,
                    "summary": f"Once task {i}",
                    "date_deadline": tomorrow,
                    "user_id": users[i % len(users)].id,
                }
                for i in range(ACTIVITIES)
            ]
        )
        cr.commit()
        ids = {"company": company.id, "activities": activities.ids, "users": users.ids}
    smtp_sink.clear()  # Odoo's own "assigned to you" mails are not ours
    yield ids
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        remove_committed_activities(env, ids)
        env["res.company"].browse(ids["company"]).write(
            {"crm_alert_activity_enabled": False}
        )
        cr.execute(
            "UPDATE crm_alert_message SET next_try = next_try - interval '100 years' "
            "WHERE id = ANY(%s)",
            [postponed],
        )
        for company_id, (reminders, escalations) in saved.items():
            env["res.company"].browse(company_id).write(
                {
                    "crm_alert_activity_enabled": reminders,
                    "crm_alert_late_enabled": escalations,
                }
            )
        cr.commit()


def outstanding(env):
    """Work still waiting, seen from a fresh transaction."""
    companies = env["res.company"].search([("crm_alert_activity_enabled", "=", True)])
    now = fields.Datetime.now()
    due_activities = env["mail.activity"]._crm_alert_count_due(companies, now)
    return due_activities + env["crm.alert.message"]._count_due()


def reminders_received(sink):
    return Counter(
        m["message"]["Subject"]
        for m in sink.messages
        if m["message"]["Subject"].startswith("Reminder:")
    )


def outbox(registry, company_id):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        rows = env["crm.alert.message"].search([("company_id", "=", company_id)])
        return Counter(rows.mapped("state")), len(rows)


WORKER = textwrap.dedent(
    """
    import os, signal, sys
    import odoo
    from odoo import SUPERUSER_ID, api
    database, addons, mode = sys.argv[1:4]
    odoo.tools.config.parse_config(
        ["--database", database, "--addons-path", addons, "--log-level", "warn"])
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if mode == "crash":
            # one batch queued and committed, one batch sent, then killed hard
            env["mail.activity"]._cron_crm_alert_scan(batch_size=10)
            cr.commit()
            env["crm.alert.message"]._cron_dispatch(batch_size=4)
            os.kill(os.getpid(), signal.SIGKILL)
        while True:
            queued = env["mail.activity"]._cron_crm_alert_scan(batch_size=10)
            cr.commit()
            sent = env["crm.alert.message"]._cron_dispatch(batch_size=4)
            cr.commit()
            if not queued and not sent:
                break
    """
)


def run_worker(mode):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            odoo.tools.config["db_name"],
            addons_path(),
            mode,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_worker_killed_between_batches_loses_and_duplicates_nothing(
    registry, committed_activities, smtp_sink
):
    crashed = run_worker("crash")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-3000:]
    states, total = outbox(registry, committed_activities["company"])
    assert total == 10, "the committed batch survived the crash"
    assert states["sent"] == 4
    assert sum(reminders_received(smtp_sink).values()) == 4

    finished = run_worker("run")
    assert finished.returncode == 0, finished.stderr[-3000:]
    received = reminders_received(smtp_sink)
    assert len(received) == ACTIVITIES, "every activity reminded"
    assert set(received.values()) == {1}, f"duplicates: {received}"
    states, total = outbox(registry, committed_activities["company"])
    assert (total, states["sent"]) == (ACTIVITIES, ACTIVITIES)


def test_two_workers_overlapping_send_each_reminder_once(
    registry, committed_activities, smtp_sink
):
    def one_round(env):
        env["mail.activity"]._cron_crm_alert_scan(batch_size=3)
        env.cr.commit()
        return len(env["crm.alert.message"]._cron_dispatch(batch_size=2))

    delivered = run_two_workers(registry, one_round, outstanding)
    received = reminders_received(smtp_sink)
    assert len(received) == ACTIVITIES
    assert set(received.values()) == {1}, f"duplicates: {received}"
    assert delivered["a"] and delivered["b"], f"both workers worked: {delivered}"
    assert delivered["a"] + delivered["b"] == ACTIVITIES


def test_a_lost_race_is_skipped_not_an_error(registry, committed_activities):
    """Worker A's snapshot predates worker B's committed claim: A's locking
    query must give way (None, cron re-triggered), never raise."""
    from odoo.addons.crm_alert_automation.tools import fetch_locked_ids  # noqa: PLC0415

    activity_id = committed_activities["activities"][0]
    query = (
        f"SELECT id FROM mail_activity WHERE id = {activity_id} FOR UPDATE SKIP LOCKED"
    )
    with registry.cursor() as cr_a, registry.cursor() as cr_b:
        cr_a.execute("SELECT 1 FROM mail_activity LIMIT 1")  # A's snapshot
        cr_b.execute(
            "UPDATE mail_activity SET crm_alert_reminded_for = crm_alert_due_at "
            "WHERE id = %s",
            [activity_id],
        )
        cr_b.commit()
        assert fetch_locked_ids(cr_a, query) is None
        cr_a.execute("SELECT 1")  # the transaction is still usable
        cr_a.rollback()
        assert fetch_locked_ids(cr_a, query) == [activity_id], "fresh snapshot: ok"
