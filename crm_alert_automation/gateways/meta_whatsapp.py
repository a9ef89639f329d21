# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import requests

from .base import GatewayError, Provider, json_object, json_path, response_json

# Meta echoes this much of biz_opaque_callback_data in the status webhook.
MAX_CALLBACK_DATA = 512
# Templates asked of the Graph API a page; pages followed at most (a
# business account has at most a few hundred templates).
TEMPLATE_PAGE_SIZE = 100
MAX_TEMPLATE_PAGES = 50
# Meta's error codes that need words a shop owner understands.
META_ERRORS = {
    132001: "Meta knows no approved WhatsApp template of this name in this "
    "language: sync the templates (Sync from Meta) or choose another one",
    131047: "More than 24 hours have passed since the customer last wrote: "
    "WhatsApp allows only an approved template message now; choose a "
    "WhatsApp template for this message in Settings",
}


def meta_error_reason(code, message):
    """Meta's ``message`` with our words first for the codes we know."""
    try:
        known = META_ERRORS.get(int(code))
    except (TypeError, ValueError):
        known = None
    if known:
        return f"{known} (Meta code {code}: {str(message)[:200]})"
    return f"{str(message)[:400]} (Meta code {code})"


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
            return self.redact(meta_error_reason(error.get("code"), error["message"]))
        return super().error_reason(response)

    # -- message templates -------------------------------------------
    def list_templates(self):
        """Every message template of the business account, following the
        Graph API's pages by their ``after`` cursor (the request stays on
        the gateway's own address, token and all): a list of dicts with
        id, name, language, status, category, body and rejected_reason."""
        gateway = self.gateway
        url = (
            f"{gateway._base_url()}/{gateway.meta_api_version}/"
            f"{gateway.meta_waba_id}/message_templates"
        )
        params = {
            "fields": "id,name,language,status,category,components,rejected_reason",
            "limit": TEMPLATE_PAGE_SIZE,
        }
        headers = {"Authorization": f"Bearer {gateway.meta_access_token}"}
        templates = []
        try:
            for _page in range(MAX_TEMPLATE_PAGES):
                try:
                    response = requests.get(
                        url,
                        params=params,
                        headers=headers,
                        timeout=gateway.timeout_seconds,
                    )
                except (requests.RequestException, ValueError, TypeError) as error:
                    raise self.request_failure(error, url) from None
                if response.status_code >= 400:
                    raise GatewayError(
                        f"Meta refused the template list ({response.status_code}): "
                        f"{self.error_reason(response)}",
                        permanent=response.status_code < 500,
                        http_status=response.status_code,
                    )
                data = json_object(response)
                templates += [
                    self._template(item)
                    for item in data.get("data") or []
                    if isinstance(item, dict) and item.get("name")
                ]
                after = json_path(data, "paging.cursors.after")
                if not (json_path(data, "paging.next") and isinstance(after, str)):
                    break
                params = dict(params, after=after)
        except GatewayError as error:
            error.reason = self.redact(error.reason)
            error.args = (error.reason,)
            raise
        return templates

    @staticmethod
    def _template(item):
        components = item.get("components")
        body = (
            next(
                (
                    component.get("text")
                    for component in components
                    if isinstance(component, dict)
                    and str(component.get("type", "")).upper() == "BODY"
                ),
                "",
            )
            if isinstance(components, list)
            else ""
        )
        return {
            "id": str(item.get("id") or ""),
            "name": str(item["name"])[:512],
            "language": str(item.get("language") or ""),
            "status": str(item.get("status") or "").upper(),
            "category": str(item.get("category") or "").upper(),
            "body": str(body or ""),
            "rejected_reason": str(item.get("rejected_reason") or ""),
        }
