# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_alert")
class TestActivityRemindersTour(HttpCase):
    def test_schedule_activity_with_reminders_in_the_browser(self):
        company = self.env.ref("base.main_company")
        indonesia = self.env.ref("base.id")
        company.write(
            {
                "country_id": indonesia.id,
                "crm_alert_customer_reminder_default": False,
                "crm_alert_operator_reminder_default": True,
                "crm_alert_reminder_default_ids": [
                    Command.clear(),
                    *(
                        Command.create(
                            {
                                "audience": audience,
                                "channel": "sms",
                                "sms_template_id": self.env.ref(
                                    f"crm_alert_automation.sms_template_reminder_{audience}"
                                ).id,
                                "offset_value": 1,
                                "offset_unit": "hours",
                            }
                        )
                        for audience in ("customer", "operator")
                    ),
                ],
            }
        )
        admin = self.env.ref("base.user_admin")
        admin.partner_id.write({"mobile": False, "phone": False})
        customer = self.env["res.partner"].create(
            {
                "name": "Budi Santoso",
                "mobile": "0821-1234-5678",
                "phone": "021 555 0101",
                "country_id": indonesia.id,
            }
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Tour lead",
                "partner_id": customer.id,
                "user_id": admin.id,
                "company_id": company.id,
            }
        )
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_alert_activity_reminders_tour", login="admin"
        )
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.crm_alert_customer_reminder)
        self.assertEqual(activity.crm_alert_customer_line_ids.phone, "+62215550101")
        self.assertEqual(activity.crm_alert_operator_line_ids.user_id, admin)
        self.assertEqual(activity.crm_alert_operator_line_ids.phone, "+6281299998888")
