# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_alert")
class TestSettingsTour(HttpCase):
    def test_settings_page_in_the_browser(self):
        company = self.env.ref("base.main_company")
        server = self.env["ir.mail_server"].create(
            {"name": "tour alerts", "smtp_host": "127.0.0.1", "smtp_port": 2525}
        )
        company.write(
            {
                "crm_alert_mail_server_id": server.id,
                "crm_alert_email_from": "crm-alerts@yourcompany.example.com",
                "crm_alert_activity_enabled": True,
                "crm_alert_activity_interval": 24,
            }
        )
        self.start_tour("/odoo/settings", "crm_alert_settings_tour", login="admin")
        company.invalidate_recordset()
        self.assertEqual(company.crm_alert_activity_interval, 12)
