# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .base import Provider, response_json


class TwilioProvider(Provider):
    """Twilio Programmable Messaging: SMS, and WhatsApp as whatsapp:+E164."""

    def recipient(self, number_e164, channel):
        return f"whatsapp:{number_e164}" if channel == "whatsapp" else number_e164

    def build_request(self, number, text, reference, channel, template=None):
        gateway = self.gateway
        sender = gateway.whatsapp_from if channel == "whatsapp" else gateway.sms_from
        if channel == "whatsapp" and not sender.startswith("whatsapp:"):
            sender = f"whatsapp:{sender}"
        data = {"To": number, "From": sender, "Body": text}
        callback = gateway._webhook_url("twilio")
        if callback:
            data["StatusCallback"] = callback
        return {
            "method": "POST",
            "url": f"{gateway._base_url()}/2010-04-01/Accounts/"
            f"{gateway.twilio_account_sid}/Messages.json",
            "auth": (gateway.twilio_account_sid, gateway.twilio_auth_token),
            "data": data,
        }

    def message_id(self, response):
        return (response_json(response) or {}).get("sid", "")

    def error_reason(self, response):
        data = response_json(response) or {}
        if data.get("message"):
            return f"{data['message']} (Twilio code {data.get('code')})"
        return super().error_reason(response)
