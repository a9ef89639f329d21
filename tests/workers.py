# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two workers overlapping on the same work, each in its own transaction,
as two Odoo cron workers (or two hosts) would."""

import threading
from collections import Counter

from odoo import SUPERUSER_ID, api


def run_two_workers(registry, one_round, outstanding, timeout=300):
    """Run ``one_round(env) -> units of work done`` in two threads at once,
    committing after each round, until a round does nothing and
    ``outstanding(env)`` finds nothing left. A worker that lost a race gets
    nothing in a round and looks again, as a re-triggered cron would.
    Returns the work each worker did; fails on any worker's error."""
    start = threading.Barrier(2)
    worked = Counter()
    errors = []

    def worker(name):
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                start.wait(timeout=30)
                while True:
                    done = one_round(env)
                    cr.commit()
                    worked[name] += done
                    if not done and not outstanding(env):
                        break
                    cr.commit()
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(n,), name=n) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return worked


def remove_committed_activities(env, ids):
    """Remove what a committed scenario left: its company's outbox rows,
    its activities and the partners they were on."""
    env["crm.alert.message"].search([("company_id", "=", ids["company"])]).unlink()
    activities = env["mail.activity"].browse(ids["activities"]).exists()
    partners = env["res.partner"].browse(activities.mapped("res_id"))
    activities.unlink()
    partners.unlink()


def company_sending_alerts(env, name, smtp_port, sender, **settings):
    """A new company whose alerts go from ``sender`` through a mail server
    on 127.0.0.1:``smtp_port``, with further alert ``settings``."""
    company = env["res.company"].create({"name": name})
    server = env["ir.mail_server"].create(
        {
            "name": f"{name} sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "from_filter": sender,
        }
    )
    company.write(
        {
            "crm_alert_mail_server_id": server.id,
            "crm_alert_email_from": sender,
            **settings,
        }
    )
    return company
