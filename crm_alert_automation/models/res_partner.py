# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_alert_whatsapp_opt_out = fields.Boolean(
        string="No WhatsApp Messages",
        help="This contact asked not to receive WhatsApp messages.",
    )

    def _crm_alert_whatsapp_number(self):
        """The WhatsApp form of this contact's number: 62821… (country code,
        no +, no leading 0)."""
        self.ensure_one()
        country = self.country_id or self.env.company.country_id
        number = self.env["crm.alert.message"]._normalize_number(
            self.mobile or self.phone, country
        )
        return number.lstrip("+")
