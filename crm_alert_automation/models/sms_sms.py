# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """With an SMS gateway configured for the company, Odoo's SMS go
        through the outbox and that gateway instead of IAP."""
        gateway = self.env["crm.alert.gateway"]._for_channel("sms", self.env.company)
        if not gateway:
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        Message = self.env["crm.alert.message"].sudo()
        messages = Message.create(
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
                for sms in self
            ]
        )
        self.sudo().write({"state": "process", "failure_type": False})
        for message in messages:
            message._deliver()
        Message._schedule_next_retry()
        self.mail_message_id._notify_message_notification_update()
        return None
