# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tests that do not depend on the day the database was installed.

Demo data is dated relative to the install day (crm's demo activities, the
calendar's meetings…) and the demo company has its alerts switched on: a scan
or a dispatch in a test would also see the demo's work, and the next moment
the scanner books could be a demo activity's, differently on every install
day. The tests build their own companies; this base class makes sure nothing
else takes part, inside the test class's transaction (rolled back after it),
as ``tests/test_exactly_once.py`` does with real commits:

- every company already in the database has its alerts switched off,
- outbox rows still waiting to be sent are postponed by a hundred years,
- the wake-ups already booked for the scanner and the dispatcher are dropped.

``clock_at`` lets a test's whole scenario happen at fixed dates, whatever the
day the suite really runs on.
"""

from freezegun import freeze_time

from odoo.tests import TransactionCase

ALERT_CRONS = (
    "crm_alert_automation.ir_cron_crm_alert_scan",
    "crm_alert_automation.ir_cron_crm_alert_dispatch",
)


def isolate_from_existing_data(env):
    """Leave only what the test itself creates to the alert crons."""
    companies = (
        env["res.company"]
        .sudo()
        .with_context(active_test=False)
        .search(
            [
                "|",
                ("crm_alert_activity_enabled", "=", True),
                ("crm_alert_late_enabled", "=", True),
            ]
        )
    )
    companies.write(
        {"crm_alert_activity_enabled": False, "crm_alert_late_enabled": False}
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_alert_message SET next_try = next_try + interval '100 years' "
        "WHERE state IN ('queued', 'retry')"
    )
    env.cr.execute(
        "UPDATE crm_alert_message SET claimed_at = claimed_at + interval '100 years' "
        "WHERE state = 'sending'"
    )
    env.invalidate_all()
    crons = [env.ref(xmlid, raise_if_not_found=False) for xmlid in ALERT_CRONS]
    env["ir.cron.trigger"].sudo().search(
        [("cron_id", "in", [cron.id for cron in crons if cron])]
    ).unlink()


class DemoIsolatedCase(TransactionCase):
    """A TransactionCase whose class transaction starts without the demo
    data's alerts (see the module docstring)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        isolate_from_existing_data(cls.env)

    def clock_at(self, moment):
        """Run the rest of this test from ``moment`` on (the clock ticks from
        there): what it creates outside its own ``freeze_time`` blocks (a
        queued message's first try, an SMS…) is dated in the scenario's time,
        not on the day CI happens to run."""
        clock = freeze_time(moment, tick=True)
        clock.start()
        self.addCleanup(clock.stop)
