# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    email_bcc = fields.Char(
        string="Bcc",
        help="Blind copy recipients (e-mail addresses, comma-separated; "
        "placeholders allowed). Used by CRM alert messages.",
    )

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # res.company._crm_alert_event_config_row
        return res
