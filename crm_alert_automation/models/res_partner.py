# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import log_customer_failures


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.workflow.record"]

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

    def _crm_alert_event_records(self, event):
        """Welcome: contacts saved one by one (an import only when Settings
        say so) with a number or an e-mail; never a user's or a company's
        own contact."""
        if event != "welcome":
            return self
        if self.env.context.get("crm_alert_no_welcome"):
            return self.browse()
        importing = self.env.context.get("import_file")
        return self.filtered(
            lambda partner: (
                (partner.email or partner.mobile or partner.phone)
                and partner.type == "contact"
                and not partner.with_context(active_test=False).user_ids
                and not (
                    importing
                    and not partner._crm_alert_event_company()
                    .sudo()
                    .crm_alert_welcome_on_import
                )
            )
        )

    @api.model
    def _crm_alert_obsolete_reason(self, message):
        reason = super()._crm_alert_obsolete_reason(message)
        if reason or not message.dedupe_key.startswith("welcome:"):
            return reason
        partner = self.browse(message.source_id).with_context(active_test=False)
        if partner.user_ids:
            return self.env._("The contact is a user's own, not a customer.")
        return False

    @api.model
    def _crm_alert_state_changed(self, messages):
        res = super()._crm_alert_state_changed(messages)
        log_customer_failures(messages.filtered(lambda m: m.kind == "message"))
        return res
