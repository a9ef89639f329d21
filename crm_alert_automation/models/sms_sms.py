# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..tools import document_companies


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """SMS of a company with an SMS gateway go through the outbox and
        that gateway instead of IAP; the others keep Odoo's way."""
        Gateway = self.env["crm.alert.gateway"]
        by_iap = self.browse()
        for company, smses in self._crm_alert_by_company().items():
            gateway = Gateway._for_channel("sms", company)
            if gateway:
                smses._crm_alert_send(gateway)
            else:
                by_iap |= smses
        if by_iap:
            return super(SmsSms, by_iap)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return None

    def _crm_alert_by_company(self):
        """These SMS by the company they are sent for: their document's,
        else their recipient's, else the current one."""
        by_company = {}
        for model, smses in self.grouped(lambda s: s.mail_message_id.model).items():
            companies = document_companies(
                self.env, model, smses.mail_message_id.mapped("res_id")
            )
            for sms in smses:
                company = (
                    companies.get(sms.mail_message_id.res_id)
                    or sms.partner_id.sudo().company_id
                    or self.env.company
                )
                by_company[company] = by_company.get(company, self.browse()) | sms
        return by_company

    def _crm_alert_send(self, gateway):
        Message = self.env["crm.alert.message"].sudo()
        resent = Message.search([("sms_id", "in", self.ids)])
        for message in resent:  # the number may have been corrected meanwhile
            message.write(
                {"phone": message.sms_id.number, "body_text": message.sms_id.body}
            )
        resent._requeue()
        messages = resent | Message.create(
            [
                {
                    "company_id": gateway.company_id.id,
                    "kind": "sms",
                    "channel": "sms",
                    "dedupe_key": f"sms:{sms.uuid}",
                    "gateway_id": gateway.id,
                    "sms_id": sms.id,
                    "recipient_partner_id": sms.partner_id.id,
                    "phone": sms.number,
                    "body_text": sms.body,
                    "subject": (sms.body or "")[:80],
                    "res_model": sms.mail_message_id.model,
                    "res_id": sms.mail_message_id.res_id,
                }
                for sms in self - resent.sms_id
            ]
        )
        self.sudo().write({"state": "process", "failure_type": False})
        for message in messages:
            message._deliver()
        Message._schedule_next_retry()
        self.mail_message_id._notify_message_notification_update()
