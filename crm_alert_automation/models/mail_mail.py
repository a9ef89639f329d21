# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import email_normalize_all


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

    def _prepare_outgoing_list(
        self, mail_server=False, recipients_follower_status=None
    ):
        """A template's blind copies (a ``Bcc`` header the outbox set) are
        recipients of the SMTP envelope too: Odoo only lets the addresses it
        validated through."""
        emails = super()._prepare_outgoing_list(
            mail_server=mail_server,
            recipients_follower_status=recipients_follower_status,
        )
        bcc = self.crm_alert_outbox and emails and emails[0]["headers"].get("Bcc")
        if bcc:
            for email in emails:
                email["email_to_normalized"] = [
                    *email.get("email_to_normalized", []),
                    *email_normalize_all(bcc),
                ]
        return emails
