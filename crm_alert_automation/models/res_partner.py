# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_alert_whatsapp_opt_out = fields.Boolean(
        string="No WhatsApp Messages",
        help="This contact asked not to receive WhatsApp messages.",
    )

    @api.constrains("phone", "mobile", "country_id")
    def _check_crm_alert_phone_numbers(self):
        """Refuse numbers our SMS/WhatsApp gateways could never reach, where
        they are typed — only for companies that send SMS or WhatsApp."""
        Gateway = self.env["crm.alert.gateway"].sudo()
        Message = self.env["crm.alert.message"]
        for partner in self:
            company = partner.company_id or self.env.company
            if not Gateway.search_count([("company_id", "=", company.id)], limit=1):
                continue
            country = partner.country_id or company.country_id
            for field_name in ("mobile", "phone"):
                number = partner[field_name]
                if not number:
                    continue
                try:
                    Message._normalize_number(number, country)
                except UserError as error:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(partner)s: %(reason)s",
                            field=partner._fields[field_name]._description_string(
                                self.env
                            ),
                            partner=partner.display_name,
                            reason=error,
                        )
                    ) from error

    def _crm_alert_whatsapp_number(self):
        """The WhatsApp form of this contact's number: 62821… (country code,
        no +, no leading 0)."""
        self.ensure_one()
        country = self.country_id or self.env.company.country_id
        number = self.env["crm.alert.message"]._normalize_number(
            self.mobile or self.phone, country
        )
        return number.lstrip("+")
