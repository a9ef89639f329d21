# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-activity reminder lines, exactly once with real commits: two workers
overlapping on the same due lines, and a scan re-run after its commit."""

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
from odoo import SUPERUSER_ID, Command, api, fields

ACTIVITIES = 18


@pytest.fixture
def registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


@pytest.fixture
def committed_reminder_lines(registry, smtp_sink):
    """A company whose customers get an e-mail reminder 3 days before each
    activity (so every line is due now: the activities are tomorrow), all
    committed; removed afterwards."""
    run = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # Only this test's lines are due while it runs.
        cr.execute(
            "UPDATE crm_activity_reminder SET fire_at = fire_at + interval "
            "'100 years' WHERE enabled RETURNING id"
        )
        postponed = [row[0] for row in cr.fetchall()]
        template = env.ref("crm_alert_automation.email_template_reminder_customer")
        company = company_sending_alerts(
            env,
            f"Reminder Lines {run}",
            smtp_sink.port,
            "alerts@lines.example.com",
            crm_alert_customer_reminder_default=True,
            crm_alert_reminder_default_ids=[
                Command.create(
                    {
                        "audience": "customer",
                        "channel": "email",
                        "mail_template_id": template.id,
                        "offset_value": 3,
                        "offset_unit": "days",
                    }
                )
            ],
        )
        user = env["res.users"].create(
            {
                "name": f"Lines User {run}",
                "login": f"lines_user_{run}@lines.example.com",
                "email": "lines_user@lines.example.com",
                "tz": "Asia/Jakarta",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [Command.link(env.ref("base.group_user").id)],
            }
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Lines Customer {i}",
                    "email": f"customer{i}@lines.example.com",
                    "company_id": company.id,
                }
                for i in range(ACTIVITIES)
            ]
        )
        activities = env["mail.activity"].create(
            [
                {
                    "res_model_id": env["ir.model"]._get_id("res.partner"),
                    "res_id": partner.id,
                    "summary": f"Visit {partner.name}",
                    "date_deadline": fields.Date.today() + timedelta(days=1),
                    "user_id": user.id,
                }
                for partner in partners
            ]
        )
        assert len(activities.crm_alert_customer_line_ids) == ACTIVITIES
        cr.commit()
        ids = {"company": company.id, "activities": activities.ids}
    smtp_sink.clear()  # Odoo's own "assigned to you" mails are not ours
    yield ids
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        remove_committed_activities(env, ids)
        env["res.company"].browse(ids["company"]).write(
            {"crm_alert_customer_reminder_default": False}
        )
        cr.execute(
            "UPDATE crm_activity_reminder SET fire_at = fire_at - interval "
            "'100 years' WHERE id = ANY(%s)",
            [postponed],
        )
        env.registry.clear_cache()
        cr.commit()


def reminders_received(sink):
    return Counter(
        tuple(m["rcpt_tos"])
        for m in sink.messages
        if m["message"]["Subject"].startswith("Reminder:")
    )


def outstanding(env, company_id):
    env.cr.execute(
        "SELECT count(*) FROM crm_activity_reminder WHERE company_id = %s "
        "AND enabled AND queued_for IS DISTINCT FROM start_at",
        [company_id],
    )
    return env.cr.fetchone()[0] + env["crm.alert.message"]._count_due()


def test_two_workers_overlapping_remind_each_customer_once(
    registry, committed_reminder_lines, smtp_sink
):
    company_id = committed_reminder_lines["company"]

    def one_round(env):
        queued = env["crm.activity.reminder"]._cron_send_due(batch_size=3)
        env.cr.commit()
        return queued + len(env["crm.alert.message"]._cron_dispatch(batch_size=2))

    worked = run_two_workers(
        registry, one_round, lambda env: outstanding(env, company_id)
    )
    received = reminders_received(smtp_sink)
    assert len(received) == ACTIVITIES, "every customer reminded"
    assert set(received.values()) == {1}, f"duplicates: {received}"
    assert worked["a"] and worked["b"], f"both workers worked: {worked}"

    # A scan re-run after everything was committed queues nothing more.
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        assert env["crm.activity.reminder"]._cron_send_due() == 0
        rows = env["crm.alert.message"].search([("company_id", "=", company_id)])
        assert len(rows) == ACTIVITIES
