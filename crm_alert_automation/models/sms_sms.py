# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import document_companies, record_of

# Outbox state → (Odoo SMS state, failure type)
SMS_STATES = {
    "sent": ("pending", None),
    "delivered": ("sent", None),
    "read": ("sent", None),
    "skipped": ("canceled", "sms_blacklist"),
    "cancelled": ("canceled", None),
}


class SmsSms(models.Model):
    _inherit = "sms.sms"

    crm_alert_company_id = fields.Many2one(
        "res.company",
        string="Sending Company",
        readonly=True,
        help="The company the sender was working in when the SMS was created.",
    )

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """SMS of a company with an SMS gateway are queued in the outbox and
        sent by its dispatcher through that gateway (committed one by one,
        retried, with receipts) instead of IAP; the others keep Odoo's way."""
        Gateway = self.env["crm.alert.gateway"]
        if not Gateway._sms_company_ids():
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        by_iap = self.browse()
        for company, smses in self._crm_alert_by_company().items():
            if company.id in Gateway._sms_company_ids():
                smses._crm_alert_enqueue(company)
            else:
                by_iap |= smses
        if by_iap:
            return super(SmsSms, by_iap)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return None

    @api.model_create_multi
    def create(self, vals_list):
        # The SMS queue cron that sends it later runs in OdooBot's company:
        # remember the company its sender was working in (no extra query).
        for vals in vals_list:
            vals.setdefault("crm_alert_company_id", self.env.company.id)
        return super().create(vals_list)

    def _crm_alert_by_company(self):
        """These SMS by the company whose gateway sends them: their
        document's, else their recipient's, else the company their sender
        was working in."""
        by_company = {}
        for model, smses in self.grouped(lambda s: s.mail_message_id.model).items():
            companies = document_companies(
                self.env, model, smses.mail_message_id.mapped("res_id")
            )
            for sms in smses:
                company = (
                    companies.get(sms.mail_message_id.res_id)
                    or sms.partner_id.sudo().company_id
                    or sms.crm_alert_company_id
                    or self.env.company
                )
                by_company[company] = by_company.get(company, self.browse()) | sms
        return by_company

    def _crm_alert_enqueue(self, company):
        Message = self.env["crm.alert.message"].sudo()
        resent = Message.search([("sms_id", "in", self.ids)])
        for message in resent:  # the number may have been corrected meanwhile
            message.write(
                {"phone": message.sms_id.number, "body_text": message.sms_id.body}
            )
        resent._requeue()
        Message._enqueue(
            [
                {
                    "record": sms,
                    "document": sms._crm_alert_document(),
                    "company_id": company.id,
                    "kind": "sms",
                    "channel": "sms",
                    "dedupe_key": f"sms:{sms.uuid}",
                    "sms_id": sms.id,
                    "sms_uuid": sms.uuid,
                    "partner": sms.partner_id,
                    "phone": sms.number,
                    "body_text": sms.body,
                    "subject": (sms.body or "")[:80],
                }
                for sms in self - resent.sms_id
            ]
        )
        self.sudo().write({"state": "process", "failure_type": False})

    def _crm_alert_document(self):
        self.ensure_one()
        message = self.mail_message_id
        return record_of(self.env, message.model, message.res_id)

    # ------------------------------------------------------------------
    # Outbox hooks
    # ------------------------------------------------------------------
    @api.model
    def _crm_alert_obsolete_reason(self, message):
        return False  # Odoo deletes sent SMS; the text is on the row

    @api.model
    def _crm_alert_sent(self, messages):
        return None  # Odoo's SMS notification is the chatter entry

    @api.model
    def _crm_alert_state_changed(self, messages):
        """Keep Odoo's own SMS, its notifications and traces in step."""
        for message in messages:
            if message.state == "failed":
                state, failure = "error", message._sms_failure_type()
            elif message.state in SMS_STATES:
                state, failure = SMS_STATES[message.state]
            else:
                continue
            tracker = (
                self.env["sms.tracker"]
                .sudo()
                .search([("sms_uuid", "=", message.sms_uuid)])
            )
            tracker._action_update_from_sms_state(state, failure_type=failure)
            sms = message.sms_id.sudo()
            if sms:
                # As Odoo does with what IAP accepted: gone with its autovacuum.
                sms.write(
                    {
                        "state": state,
                        "failure_type": failure,
                        "to_delete": state != "error",
                    }
                )
                sms.mail_message_id._notify_message_notification_update()
