# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .base import Provider, json_path, response_json


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
        return {
            "method": "POST",
            "url": f"{gateway._base_url()}/{gateway.meta_api_version}/"
            f"{gateway.meta_phone_number_id}/messages",
            "headers": {"Authorization": f"Bearer {gateway.meta_access_token}"},
            "json": payload,
        }

    def message_id(self, response):
        return json_path(response_json(response), "messages.0.id") or ""

    def error_reason(self, response):
        error = (response_json(response) or {}).get("error") or {}
        if error.get("message"):
            return f"{error['message']} (Meta code {error.get('code')})"
        return super().error_reason(response)
