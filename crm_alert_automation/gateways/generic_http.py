# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re
import urllib.parse

from .base import GatewayError, Provider, json_path, response_json, url_secrets

PLACEHOLDERS = ("{number}", "{text}", "{reference}")
# Names of form fields and JSON keys that carry a credential.
SECRET_NAME = re.compile(
    r"key|token|secret|pass|pwd|auth|sig|credential|bearer", re.IGNORECASE
)


def fill(template, values, as_json=False, as_url=False):
    """Replace the placeholders; in JSON bodies the values are JSON-escaped,
    in the URL percent-encoded (a text with "&", "#" or a line break must
    neither cut the URL nor be refused by the HTTP library)."""
    if not isinstance(template, str):  # a number or true in the form fields
        template = json.dumps(template)
    result = template
    for key, value in values.items():
        if as_json:
            encoded = json.dumps(value)[1:-1]
        elif as_url:
            encoded = urllib.parse.quote(value, safe="")
        else:
            encoded = value
        result = result.replace("{" + key + "}", encoded)
    return result


def secret_values(data):
    """The values of credential-like keys in a (JSON) body template."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and SECRET_NAME.search(str(key)):
                if not any(p in value for p in PLACEHOLDERS):
                    found.append(value)
            else:
                found += secret_values(value)
    elif isinstance(data, list):
        for value in data:
            found += secret_values(value)
    return found


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
            "url": fill(gateway.url, values, as_url=True),
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

    def secrets(self):
        gateway = self.gateway
        found = super().secrets() + url_secrets(gateway.url)
        try:
            headers = json.loads(gateway.headers_json or "{}")
        except ValueError:
            headers = {}
        for value in headers.values() if isinstance(headers, dict) else ():
            value = str(value)
            found.append(value)
            # "Bearer <token>", "Basic <base64>": the credential alone too.
            _scheme, _space, credential = value.strip().partition(" ")
            if credential:
                found.append(credential)
        try:
            body = json.loads(gateway.body_template or "{}")
        except ValueError:
            body = None
        found += secret_values(body)
        return found

    def read_response(self, response):
        result = super().read_response(response)
        gateway = self.gateway
        if gateway.success_json_path:
            found = json_path(response_json(response), gateway.success_json_path)
            if str(found) != (gateway.success_value or ""):
                found_text = repr(found)[:100]
                raise GatewayError(
                    f"The provider did not confirm: {gateway.success_json_path} = "
                    f"{found_text}, expected {gateway.success_value!r}. "
                    f"{self.redact(response.text[:300])}",
                    permanent=True,
                    http_status=response.status_code,
                )
        return result

    def message_id(self, response):
        found = json_path(response_json(response), self.gateway.message_id_json_path)
        return str(found) if found is not None else ""
