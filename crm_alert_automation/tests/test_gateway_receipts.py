# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.tests import HttpCase, tagged

from ..controllers.gateway_webhooks import meta_signature, twilio_signature
from .common import meta_statuses_body
from .test_gateways import GatewayCase


@tagged("post_install", "-at_install", "crm_alert")
class TestDeliveryReceipts(GatewayCase, HttpCase):
    def sent_message(self, provider, channel="sms"):
        gateway = self.gateway(provider)
        message = self.queue(channel)
        self.dispatch()
        self.assertEqual(message.state, "sent")
        return gateway, message

    def post(self, path, data, headers):
        self.env.flush_all()
        response = self.url_open(path, data=data, headers=headers)
        self.env.invalidate_all()
        return response

    def twilio_receipt(self, gateway, params, signature=None):
        path = f"/crm_alert/webhook/twilio/{gateway.id}"
        if signature is None:
            signature = twilio_signature(
                "twilio-secret", self.base_url() + path, params
            )
        return self.post(path, params, {"X-Twilio-Signature": signature})

    def meta_receipt(self, gateway, statuses, signature=None):
        body = meta_statuses_body(statuses)
        if signature is None:
            signature = meta_signature("meta-app-secret", body)
        return self.post(
            f"/crm_alert/webhook/meta/{gateway.id}",
            body,
            {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )

    def test_twilio_receipts_move_states(self):
        gateway, message = self.sent_message("twilio", "whatsapp")
        sid = message.provider_message_id
        response = self.twilio_receipt(
            gateway, {"MessageSid": sid, "MessageStatus": "delivered"}
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(message.state, "delivered")
        self.assertTrue(message.delivered_at)
        self.twilio_receipt(gateway, {"MessageSid": sid, "MessageStatus": "read"})
        self.assertEqual(message.state, "read")
        self.twilio_receipt(gateway, {"MessageSid": sid, "MessageStatus": "sent"})
        self.assertEqual(message.state, "read", "a late receipt never moves back")

    def test_twilio_receipt_signed_for_the_public_url_behind_a_proxy(self):
        public = "https://crm.nusantara.example.com"
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", public)
        gateway, message = self.sent_message("twilio")
        callback = self.stub.requests[-1]["form"]["StatusCallback"]
        self.assertEqual(
            callback,
            f"{public}/crm_alert/webhook/twilio/{gateway.id}?ref=crm-alert-{message.id}",
        )
        params = {
            "MessageSid": message.provider_message_id,
            "MessageStatus": "delivered",
        }
        signature = twilio_signature("twilio-secret", callback, params)
        response = self.post(
            callback.removeprefix(public), params, {"X-Twilio-Signature": signature}
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(message.state, "delivered")

    def test_twilio_undelivered_fails_with_reason(self):
        gateway, message = self.sent_message("twilio")
        self.twilio_receipt(
            gateway,
            {
                "MessageSid": message.provider_message_id,
                "MessageStatus": "undelivered",
                "ErrorCode": "30003",
            },
        )
        self.assertEqual(message.state, "failed")
        self.assertIn("30003", message.error)

    def test_twilio_forged_or_missing_signature_refused(self):
        gateway, message = self.sent_message("twilio")
        params = {
            "MessageSid": message.provider_message_id,
            "MessageStatus": "delivered",
        }
        forged = twilio_signature("not-the-token", self.base_url() + "/x", params)
        self.assertEqual(self.twilio_receipt(gateway, params, forged).status_code, 403)
        self.assertEqual(self.twilio_receipt(gateway, params, "").status_code, 403)
        self.assertEqual(message.state, "sent", "nothing changed")

    def test_meta_verify_handshake(self):
        gateway = self.gateway("meta")
        path = f"/crm_alert/webhook/meta/{gateway.id}"
        ok = self.url_open(
            f"{path}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"
        )
        self.assertEqual((ok.status_code, ok.text), (200, "1158201444"))
        bad = self.url_open(
            f"{path}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444"
        )
        self.assertEqual(bad.status_code, 403)

    def test_meta_receipts_and_signature(self):
        gateway, message = self.sent_message("meta", "whatsapp")
        wamid = message.provider_message_id
        forged = self.meta_receipt(
            gateway, [{"id": wamid, "status": "read"}], signature="sha256=" + "0" * 64
        )
        self.assertEqual(forged.status_code, 403)
        self.assertEqual(message.state, "sent")
        self.meta_receipt(gateway, [{"id": wamid, "status": "delivered"}])
        self.assertEqual(message.state, "delivered")
        self.meta_receipt(gateway, [{"id": wamid, "status": "read"}])
        self.assertEqual(message.state, "read")

    def test_odoo_sms_composer_goes_through_the_gateway(self):
        gateway = self.gateway("twilio")
        composer = (
            self.env["sms.composer"]
            .with_context(
                default_res_model="res.partner",
                default_res_id=self.customer.id,
                default_composition_mode="comment",
            )
            .create({"body": "Terima kasih atas pesanan Anda"})
        )
        composer.action_send_sms()
        self.assertFalse(self.stub.requests, "queued: nothing slow in the click")
        self.dispatch()
        [request] = self.stub.requests
        self.assertEqual(request["form"]["To"], "+6282112345678")
        self.assertEqual(request["form"]["Body"], "Terima kasih atas pesanan Anda")
        row = self.env["crm.alert.message"].search([("kind", "=", "sms")], limit=1)
        self.assertEqual(row.state, "sent")
        sms = row.sms_id
        self.assertEqual(sms.state, "pending", "Odoo's SMS shows 'Sent'")
        notification = sms.mail_message_id.notification_ids
        self.assertEqual(notification.notification_status, "pending")

        self.twilio_receipt(
            gateway,
            {"MessageSid": row.provider_message_id, "MessageStatus": "delivered"},
        )
        self.assertEqual(row.state, "delivered")
        self.assertEqual(sms.state, "sent", "Odoo's SMS shows 'Delivered'")
        self.assertEqual(notification.notification_status, "sent")

    def test_odoo_sms_invalid_number_is_odoo_error_state(self):
        """SMS queued by other flows (server actions, mass SMS) are checked
        at send time: a bad number fails alone, in Odoo's own terms."""
        self.gateway("twilio")
        bad, good = self.env["sms.sms"].create(
            [
                {"number": "12345", "body": "x"},
                {
                    "number": "+6282112345678",
                    "body": "y",
                    "partner_id": self.customer.id,
                },
            ]
        )
        (bad | good).send(unlink_sent=False)
        self.assertEqual((bad | good).mapped("state"), ["process"] * 2, "queued")
        self.dispatch()
        self.assertEqual((bad.state, bad.failure_type), ("error", "sms_number_format"))
        self.assertEqual(good.state, "pending")
        self.assertEqual(len(self.stub.requests), 1)
        row = self.env["crm.alert.message"].search([("sms_id", "=", bad.id)])
        self.assertIn("Invalid number 12345", row.error)

    def test_failed_odoo_sms_resent_through_the_gateway(self):
        """Odoo's "Resend" on a failed SMS sends the same SMS again: its
        outbox row goes round once more, it is not a second row."""
        self.gateway("twilio")
        sms = self.env["sms.sms"].create({"number": "12345", "body": "Resi JNE"})
        sms.send(unlink_sent=False)
        self.dispatch()
        self.assertEqual(sms.state, "error")
        sms.number = "+6282112345678"
        sms.resend_failed()
        self.dispatch()
        row = self.env["crm.alert.message"].search([("sms_id", "=", sms.id)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.state, "sent")
        self.assertEqual(self.stub.requests[-1]["form"]["To"], "+6282112345678")

    def test_odoo_sms_uses_the_gateway_of_the_documents_company(self):
        """The SMS queue cron runs as one user in one company; each SMS still
        goes through the gateway of its document's company."""
        self.gateway("twilio", twilio_account_sid="AC-TOKO-JAYA")
        other = self.env["res.company"].create(
            {"name": "Hanoi Coffee", "country_id": self.env.ref("base.vn").id}
        )
        self.gateway(
            "twilio", company_id=other.id, twilio_account_sid="AC-HANOI-COFFEE"
        )
        hanoi_customer = self.env["res.partner"].create(
            {"name": "Nguyen Van An", "company_id": other.id}
        )
        sms = self.env["sms.sms"].create(
            [
                {"number": "+84912345678", "body": "a", "partner_id": p.id}
                for p in (hanoi_customer, self.customer)
            ]
        )
        sms.send(unlink_sent=False)
        self.dispatch()
        accounts = sorted(r["path"].split("/")[3] for r in self.stub.requests)
        self.assertEqual(accounts, ["AC-HANOI-COFFEE", "AC-TOKO-JAYA"])
        rows = self.env["crm.alert.message"].sudo().search([("sms_id", "in", sms.ids)])
        self.assertEqual(
            set(rows.mapped("company_id.name")), {"Hanoi Coffee", "Toko Jaya"}
        )

    def test_meta_failed_receipt_with_reason(self):
        gateway, message = self.sent_message("meta", "whatsapp")
        self.meta_receipt(
            gateway,
            [
                {
                    "id": message.provider_message_id,
                    "status": "failed",
                    "errors": [{"code": 131026, "title": "Message undeliverable"}],
                }
            ],
        )
        self.assertEqual(message.state, "failed")
        self.assertIn("131026", message.error)

    def test_send_sms_server_action_goes_through_the_gateway(self):
        """Odoo's "Send SMS" server action (as automation rules use it)."""
        self.gateway("twilio")
        template = self.env["sms.template"].create(
            {
                "name": "Order follow-up",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Halo {{ object.name }}, pesanan Anda sudah dikirim.",
            }
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "SMS the customer",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "sms",
                "sms_template_id": template.id,
                "sms_method": "sms",
            }
        )
        action.with_context(
            active_model="res.partner", active_id=self.customer.id
        ).run()
        self.env["sms.sms"].search([("state", "=", "outgoing")]).send(unlink_sent=False)
        self.dispatch()
        [request] = self.stub.requests
        self.assertEqual(request["form"]["To"], "+6282112345678")
        self.assertEqual(
            request["form"]["Body"], "Halo Budi Santoso, pesanan Anda sudah dikirim."
        )
