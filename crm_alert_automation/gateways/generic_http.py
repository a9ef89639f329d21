# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from .base import GatewayError, Provider, json_path, response_json

PLACEHOLDERS = ("{number}", "{text}", "{reference}")


def fill(template, values, as_json):
    """Replace the placeholders; in JSON bodies the values are JSON-escaped."""
    result = template
    for key, value in values.items():
        encoded = json.dumps(value)[1:-1] if as_json else value
        result = result.replace("{" + key + "}", encoded)
    return result


class GenericHttpProvider(Provider):
    """Any HTTP API configured without code: URL, method, headers, a body
    template with {number}, {text} and {reference}, and where to read
    success and the message id in the JSON answer."""

    def recipient(self, number_e164, channel):
        if self.gateway.number_format == "digits":
            return number_e164.lstrip("+")
        return number_e164

    def build_request(self, number, text, reference, channel, template=None):
        gateway = self.gateway
        values = {"number": number, "text": text, "reference": reference}
        kwargs = {
            "method": gateway.http_method,
            "url": fill(gateway.url, values, as_json=False),
            "headers": gateway._generic_headers(),
        }
        body_format = gateway.body_format
        if body_format == "json":
            kwargs["data"] = fill(
                gateway.body_template or "", values, as_json=True
            ).encode()
            kwargs["headers"].setdefault("Content-Type", "application/json")
        elif body_format == "form":
            kwargs["data"] = {
                key: fill(value, values, as_json=False)
                for key, value in gateway._generic_form_fields().items()
            }
        else:  # query string
            kwargs["params"] = {
                key: fill(value, values, as_json=False)
                for key, value in gateway._generic_form_fields().items()
            }
        return kwargs

    def read_response(self, response):
        result = super().read_response(response)
        gateway = self.gateway
        if gateway.success_json_path:
            found = json_path(response_json(response), gateway.success_json_path)
            if str(found) != (gateway.success_value or ""):
                raise GatewayError(
                    f"The provider did not confirm: {gateway.success_json_path} = "
                    f"{found!r}, expected {gateway.success_value!r}. "
                    f"{response.text[:300]}",
                    permanent=True,
                    http_status=response.status_code,
                )
        return result

    def message_id(self, response):
        found = json_path(response_json(response), self.gateway.message_id_json_path)
        return str(found) if found is not None else ""
