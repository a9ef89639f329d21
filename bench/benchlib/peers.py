# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The peers: a base_automation time-based rule and OCA mail_activity_reminder."""

from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from odoo import fields
from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FUNCTION
from odoo.tools.safe_eval import safe_eval

from .data import OCA_REMINDER_DAYS
from .measuring import found
from .odoo_env import last_id, rolled_back

OCA_MODULE = "mail_activity_reminder"

OCA_INSTALL = 'pip install --no-deps "odoo-addon-mail-activity-reminder==18.*"'

RULE_DAYS = -1  # base_automation: 1 day before date_deadline


def oca_module_available(addons_dirs):
    return any(Path(d, OCA_MODULE, "__manifest__.py").is_file() for d in addons_dirs)


def oca_installed(registry):
    with rolled_back(registry) as env:
        return bool(
            env["ir.module.module"].search_count(
                [("name", "=", OCA_MODULE), ("state", "=", "installed")]
            )
        )


def configure_oca(env):
    """OCA reminds per activity type, in whole days before the deadline day."""
    env.ref("mail.mail_activity_data_todo").reminders = str(OCA_REMINDER_DAYS)


def configure_base_automation(env, server):
    """A time-based rule on mail.activity.date_deadline, 1 day before, that
    e-mails the addon's reminder template (a copy that names a recipient and
    a sender: the addon fills those in at send time, a rule cannot)."""
    addon_template = env.ref("crm_alert_automation.mail_template_activity_reminder")
    template = addon_template.copy(
        {
            "name": "bench: activity reminder for base_automation",
            "partner_to": "{{ object.user_id.partner_id.id }}",
            "email_from": "alerts@bench.example.com",
            "mail_server_id": server.id,
        }
    )
    model_id = env["ir.model"]._get_id("mail.activity")
    deadline = env["ir.model.fields"]._get("mail.activity", "date_deadline")
    env["base.automation"].create(
        {
            "name": "bench: remind 1 day before the deadline",
            "model_id": model_id,
            "trigger": "on_time",
            "trg_date_id": deadline.id,
            "trg_date_range": RULE_DAYS,
            "trg_date_range_type": "day",
            "action_server_ids": [
                (
                    0,
                    0,
                    {
                        "name": "bench: reminder e-mail",
                        "model_id": model_id,
                        "state": "mail_post",
                        "mail_post_method": "email",
                        "template_id": template.id,
                    },
                )
            ],
        }
    )


def rule_window(env, scenario):
    """base_automation runs a time-based rule on a record when
    last_run <= record date + delay < now."""
    rule = env["base.automation"].browse(scenario.rule_id)
    delay = DATE_RANGE_FUNCTION[rule.trg_date_range_type](rule.trg_date_range)
    return rule, delay, scenario.rule_last_run, datetime.now()


def find_base_automation_as_shipped(env, scenario, state):
    """What its ``_check`` does to pick the records: search the rule's
    domain (none here: every open activity), then test each record's date
    in Python."""
    rule, delay, last_run, now = rule_window(env, scenario)
    records = env[rule.model_name].search(safe_eval(rule.filter_domain or "[]"))
    date_field = rule.trg_date_id.name

    def in_window(record):
        moment = fields.Datetime.to_datetime(record[date_field])
        return moment and last_run <= moment + delay < now

    return found([record.id for record in records if in_window(record)])


def first_day_on_or_after(moment):
    day = moment.date()
    return day if moment == datetime.combine(day, day_time()) else day + timedelta(1)


def find_base_automation_by_domain(env, scenario, state):
    """The same window as a domain on the date field: what the rule would
    cost if its date test were done in SQL."""
    rule, delay, last_run, now = rule_window(env, scenario)
    date_field = rule.trg_date_id.name
    records = env[rule.model_name].search(
        [
            (date_field, ">=", first_day_on_or_after(last_run - delay)),
            (date_field, "<", first_day_on_or_after(now - delay)),
        ]
    )
    return found(records.ids)


def find_oca(env, scenario, state):
    return found(env["mail.activity"]._get_activities_to_remind().ids)


def mails_created(env, after_mail_id):
    """(count, activities they are about) of the mail.mail created since."""
    env.cr.execute(
        "SELECT count(*), array_agg(msg.res_id) FILTER ("
        "    WHERE msg.model = 'mail.activity') "
        "FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id "
        "WHERE m.id > %s",
        [after_mail_id],
    )
    count, res_ids = env.cr.fetchone()
    return count, res_ids or []


def keep_queue_due_for_base_automation(env, scenario):
    """Only the activities ours queues stay in the rule's window: the other
    due ones get a deadline a month earlier (rolled back after)."""
    if scenario.other_due_ids:
        env.cr.execute(
            "UPDATE mail_activity SET date_deadline = date_deadline - 30 "
            "WHERE id = ANY(%s)",
            [scenario.other_due_ids],
        )
        env["mail.activity"].invalidate_model(["date_deadline"])
    env["base.automation"].browse(scenario.rule_id).last_run = scenario.rule_last_run
    return last_id(env, "mail_mail")


def queue_base_automation(env, scenario, mail_before):
    env["base.automation"]._check()
    env.flush_all()
    count, activity_ids = mails_created(env, mail_before)
    outcome = found(activity_ids)
    outcome.created = f"{count:,} mail.mail"
    return outcome


def keep_queue_due_for_oca(env, scenario):
    """Only the activities ours queues have a next reminder (rolled back
    after)."""
    if scenario.other_due_ids:
        env.cr.execute(
            "UPDATE mail_activity SET next_reminder = NULL WHERE id = ANY(%s)",
            [scenario.other_due_ids],
        )
        env["mail.activity"].invalidate_model(["next_reminder"])
    return last_id(env, "mail_mail")


def queue_oca(env, scenario, mail_before):
    activities = (
        env["mail.activity"]
        .with_context(mail_notify_force_send=False)  # queue, never send
        ._process_reminders()
    )
    env.flush_all()
    count, _ = mails_created(env, mail_before)
    outcome = found(activities.ids)
    outcome.created = f"{count:,} mail.mail (one digest per user)"
    return outcome
