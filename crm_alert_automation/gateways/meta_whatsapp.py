# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .base import Provider, json_object, json_path, response_json

# Meta echoes this much of biz_opaque_callback_data in the status webhook.
MAX_CALLBACK_DATA = 512


class MetaWhatsAppProvider(Provider):
    """Meta WhatsApp Cloud API: template messages (or free text inside the
    24-hour customer service window)."""

    def recipient(self, number_e164, channel):
        return number_e164.lstrip("+")  # 62821…: country code, no +, no 0

    def build_request(self, number, text, reference, channel, template=None):
        gateway = self.gateway
        payload = {"messaging_product": "whatsapp", "to": number}
        if template and template.get("name"):
            payload["type"] = "template"
            payload["template"] = {
                "name": template["name"],
                "language": {"code": template.get("language") or "en"},
            }
            params = template.get("params") or []
            if params:
                payload["template"]["components"] = [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": str(p)} for p in params
                        ],
                    }
                ]
        else:
            payload["type"] = "text"
            payload["text"] = {"body": text}
        if reference:
            # Echoed back in the status webhook: the receipt finds its message
            # even before the message id Meta answers with is saved.
            payload["biz_opaque_callback_data"] = reference[:MAX_CALLBACK_DATA]
        return {
            "method": "POST",
            "url": f"{gateway._base_url()}/{gateway.meta_api_version}/"
            f"{gateway.meta_phone_number_id}/messages",
            "headers": {"Authorization": f"Bearer {gateway.meta_access_token}"},
            "json": payload,
        }

    def secrets(self):
        gateway = self.gateway
        return [
            *super().secrets(),
            gateway.meta_access_token,
            gateway.meta_app_secret,
            gateway.meta_verify_token,
        ]

    def message_id(self, response):
        found = json_path(response_json(response), "messages.0.id")
        return found if isinstance(found, str) else ""

    def error_reason(self, response):
        error = json_object(response).get("error")
        if isinstance(error, dict) and error.get("message"):
            return self.redact(
                f"{str(error['message'])[:400]} (Meta code {error.get('code')})"
            )
        return super().error_reason(response)
