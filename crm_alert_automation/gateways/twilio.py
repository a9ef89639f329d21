# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import urllib.parse

from .base import GatewayError, Provider, json_object


def callback_url(webhook_url, reference):
    """The StatusCallback of one message: our webhook with our reference,
    which comes back with the receipt (Twilio signs the URL as given)."""
    if not reference:
        return webhook_url
    return f"{webhook_url}?{urllib.parse.urlencode({'ref': reference})}"


class TwilioProvider(Provider):
    """Twilio Programmable Messaging: SMS, and WhatsApp as whatsapp:+E164."""

    def recipient(self, number_e164, channel):
        return f"whatsapp:{number_e164}" if channel == "whatsapp" else number_e164

    def build_request(self, number, text, reference, channel, template=None):
        gateway = self.gateway
        sender = gateway.whatsapp_from if channel == "whatsapp" else gateway.sms_from
        if not sender:
            raise GatewayError(
                f"The gateway has no {'WhatsApp' if channel == 'whatsapp' else 'SMS'}"
                " Sender.",
                permanent=True,
            )
        if channel == "whatsapp" and not sender.startswith("whatsapp:"):
            sender = f"whatsapp:{sender}"
        data = {"To": number, "From": sender, "Body": text}
        callback = gateway._webhook_url("twilio")
        if callback:
            data["StatusCallback"] = callback_url(callback, reference)
        return {
            "method": "POST",
            "url": f"{gateway._base_url()}/2010-04-01/Accounts/"
            f"{gateway.twilio_account_sid}/Messages.json",
            "auth": (gateway.twilio_account_sid, gateway.twilio_auth_token),
            "data": data,
        }

    def secrets(self):
        gateway = self.gateway
        sid, token = gateway.twilio_account_sid or "", gateway.twilio_auth_token or ""
        basic = base64.b64encode(f"{sid}:{token}".encode()).decode()
        return [*super().secrets(), sid, token, basic]

    def message_id(self, response):
        sid = json_object(response).get("sid")
        return sid if isinstance(sid, str) else ""

    def error_reason(self, response):
        data = json_object(response)
        if data.get("message"):
            return self.redact(
                f"{str(data['message'])[:400]} (Twilio code {data.get('code')})"
            )
        return super().error_reason(response)
