# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery receipts from the providers, accepted only with a valid signature."""

import base64
import hashlib
import hmac
import json
import logging

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

TWILIO_STATUS = {
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}
META_STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


def twilio_signature(auth_token, url, params):
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL followed by the
    POST parameters sorted by name, each name then value, base64-encoded."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def meta_signature(app_secret, body):
    """Meta's X-Hub-Signature-256: sha256= HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class GatewayWebhooks(http.Controller):
    def _gateway(self, gateway_id, provider):
        # The secret that proves the caller is the provider lives on the
        # gateway: reading it is the one thing done before the check.
        gateway = request.env["crm.alert.gateway"].sudo().browse(gateway_id).exists()
        if not gateway or gateway.provider != provider:
            raise NotFound()
        return gateway

    def _messages(self, gateway, provider_message_id):
        return (
            request.env["crm.alert.message"]
            .sudo()
            .search(
                [
                    ("gateway_id", "=", gateway.id),
                    ("provider_message_id", "=", provider_message_id),
                ]
            )
        )

    @http.route(
        "/crm_alert/webhook/twilio/<int:gateway_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
    )
    def twilio_status(self, gateway_id, **params):
        gateway = self._gateway(gateway_id, "twilio")
        form = request.httprequest.form.to_dict()
        given = request.httprequest.headers.get("X-Twilio-Signature", "")
        # Twilio signs the callback URL it was given; behind a proxy that is
        # not the URL this request arrived on.
        urls = {gateway._webhook_url("twilio"), request.httprequest.url}
        if not any(
            hmac.compare_digest(
                twilio_signature(gateway.twilio_auth_token, url, form), given
            )
            for url in urls
        ):
            _logger.warning(
                "Twilio receipt with a bad signature for gateway %s", gateway_id
            )
            raise Forbidden()
        status = TWILIO_STATUS.get(form.get("MessageStatus", ""))
        if status:
            reason = None
            if status == "failed":
                reason = "Twilio: {} (error {})".format(
                    form.get("MessageStatus"), form.get("ErrorCode")
                )
            self._messages(gateway, form.get("MessageSid", ""))._apply_receipt(
                status, reason
            )
        return request.make_response("", status=204)

    @http.route(
        "/crm_alert/webhook/meta/<int:gateway_id>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
    )
    def meta_verify(self, gateway_id, **params):
        gateway = self._gateway(gateway_id, "meta")
        token = params.get("hub.verify_token", "")
        if (
            params.get("hub.mode") != "subscribe"
            or not gateway.meta_verify_token
            or (not hmac.compare_digest(token, gateway.meta_verify_token))
        ):
            raise Forbidden()
        return request.make_response(
            params.get("hub.challenge", ""), headers=[("Content-Type", "text/plain")]
        )

    @http.route(
        "/crm_alert/webhook/meta/<int:gateway_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
    )
    def meta_status(self, gateway_id, **params):
        gateway = self._gateway(gateway_id, "meta")
        body = request.httprequest.get_data()
        given = request.httprequest.headers.get("X-Hub-Signature-256", "")
        if not gateway.meta_app_secret or not hmac.compare_digest(
            meta_signature(gateway.meta_app_secret, body), given
        ):
            _logger.warning(
                "Meta receipt with a bad signature for gateway %s", gateway_id
            )
            raise Forbidden()
        try:
            payload = json.loads(body)
        except ValueError:
            return request.make_response("", status=400)
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                for receipt in (change.get("value") or {}).get("statuses", []):
                    status = META_STATUS.get(receipt.get("status"))
                    if not status:
                        continue
                    errors = receipt.get("errors") or [{}]
                    reason = None
                    if status == "failed":
                        reason = "Meta: {} ({})".format(
                            errors[0].get("title") or "failed", errors[0].get("code")
                        )
                    self._messages(gateway, receipt.get("id", ""))._apply_receipt(
                        status, reason
                    )
        return request.make_response("", status=200)
