# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    crm_alert_outbox = fields.Boolean(
        string="Sent by CRM Alerts",
        readonly=True,
        help="Sent by the CRM Alerts outbox, which tracks its attempts: "
        "Odoo's own mail queue leaves it alone.",
    )

    @api.model
    def process_email_queue(self, ids=None, batch_size=1000):
        # The outbox sends its e-mails itself, each from its own row; the mail
        # queue sending them too would send them twice.
        filters = [
            *self.env.context.get("filters", []),
            ("crm_alert_outbox", "=", False),
        ]
        return super(MailMail, self.with_context(filters=filters)).process_email_queue(
            ids=ids, batch_size=batch_size
        )
