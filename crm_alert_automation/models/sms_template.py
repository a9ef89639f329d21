# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # res.company._crm_alert_event_config_row
        return res
