# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery receipts from the providers, accepted only with a valid signature."""

import base64
import hashlib
import hmac
import json
import logging
import re

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from ..gateways.meta_whatsapp import meta_error_reason

_logger = logging.getLogger(__name__)

# Largest id PostgreSQL's integer column holds: a larger one is no record.
MAX_ID = 2**31 - 1
# Our reference of an outbox row, as the providers get it (and echo it).
REFERENCE = re.compile(r"crm-alert-([0-9]{1,10})")

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
    digest = hmac.new(
        auth_token.encode(), payload.encode("utf-8", "surrogatepass"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def meta_signature(app_secret, body):
    """Meta's X-Hub-Signature-256: sha256= HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def same_secret(given, expected):
    """Constant-time comparison of what the caller sent with what we expect,
    whatever characters it holds (``hmac.compare_digest`` refuses str with
    non-ASCII characters: compare bytes)."""
    if not isinstance(given, str) or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"),
        expected.encode("utf-8", "surrogatepass"),
    )


def _member(container, key, kind, default):
    value = container.get(key, default)
    if not isinstance(value, kind):
        raise ValueError(f"{key}: {type(value).__name__}, expected {kind.__name__}")
    return value


def _items(container, key, kind):
    """``container[key]``, a list (empty when absent) of ``kind`` items."""
    items = _member(container, key, list, [])
    if not all(isinstance(item, kind) for item in items):
        raise ValueError(f"{key}: an item is not a {kind.__name__}")
    return items


def meta_receipts(payload):
    """(message id, reference, status, reason) of each delivery status of a
    Meta webhook payload; ValueError when the payload has not the shape Meta
    sends, so that a malformed payload changes nothing at all."""
    if not isinstance(payload, dict):
        raise ValueError("the payload is not a JSON object")
    receipts = []
    for entry in _items(payload, "entry", dict):
        for change in _items(entry, "changes", dict):
            value = _member(change, "value", dict, {})
            for receipt in _items(value, "statuses", dict):
                status = _member(receipt, "status", str, "")
                message_id = _member(receipt, "id", str, "")
                reference = _member(receipt, "biz_opaque_callback_data", str, "")
                errors = _items(receipt, "errors", dict)
                status = META_STATUS.get(status)
                if not status:
                    continue
                reason = None
                if status == "failed":
                    error = errors[0] if errors else {}
                    reason = "Meta: " + meta_error_reason(
                        str(error.get("code"))[:20],
                        str(error.get("title") or "failed")[:200],
                    )
                receipts.append((message_id, reference, status, reason))
    return receipts


class GatewayWebhooks(http.Controller):
    def _gateway(self, gateway_id, provider):
        # The secret that proves the caller is the provider lives on the
        # gateway: reading it is the one thing done before the check.
        if not 0 < gateway_id <= MAX_ID:
            raise NotFound()
        gateway = request.env["crm.alert.gateway"].sudo().browse(gateway_id).exists()
        if not gateway or gateway.provider != provider:
            raise NotFound()
        return gateway

    def _messages(self, gateway, provider_message_id, reference=None):
        """The outbox rows a receipt is about: by our own reference when the
        provider echoed it (the receipt may come before the dispatcher saved
        the provider's message id), else by the provider's message id; never
        every row without an id."""
        messages = request.env["crm.alert.message"].sudo()
        match = REFERENCE.fullmatch(reference) if isinstance(reference, str) else None
        if match and 0 < int(match[1]) <= MAX_ID:
            found = messages.search(
                [
                    ("id", "=", int(match[1])),
                    ("channel", "in", ("sms", "whatsapp")),
                    "|",
                    ("gateway_id", "=", gateway.id),
                    # Being sent right now: the gateway is not saved yet.
                    "&",
                    ("gateway_id", "=", False),
                    ("state", "=", "sending"),
                ]
            )
            # A late receipt of an earlier send of a re-sent row is stale.
            return found.filtered(
                lambda message: (
                    not provider_message_id
                    or not message.provider_message_id
                    or message.provider_message_id == provider_message_id
                    or message.state == "sending"
                )
            )
        if not provider_message_id or not isinstance(provider_message_id, str):
            return messages
        return messages.search(
            [
                ("gateway_id", "=", gateway.id),
                ("provider_message_id", "=", provider_message_id),
            ]
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
        httprequest = request.httprequest
        form = httprequest.form.to_dict()
        given = httprequest.headers.get("X-Twilio-Signature", "")
        # Twilio signs the callback URL it was given, query string (our
        # reference) included; behind a proxy that is not the URL this
        # request arrived on.
        query = httprequest.query_string.decode("latin-1")
        public = gateway._webhook_url("twilio")
        urls = {httprequest.url, public + (f"?{query}" if query else "")}
        token = gateway.twilio_auth_token
        if not token or not any(
            same_secret(given, twilio_signature(token, url, form)) for url in urls
        ):
            _logger.warning(
                "Twilio receipt with a bad signature for gateway %s", gateway_id
            )
            raise Forbidden()
        reference = httprequest.args.get("ref", "")
        sid = form.get("MessageSid", "").strip()
        if not sid and not REFERENCE.fullmatch(reference):
            return request.make_response("", status=400)
        status = TWILIO_STATUS.get(form.get("MessageStatus", ""))
        if status:
            reason = None
            if status == "failed":
                reason = "Twilio: {} (error {})".format(
                    form.get("MessageStatus"), form.get("ErrorCode", "")[:20]
                )
            self._messages(gateway, sid, reference)._apply_receipt(status, reason)
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
        if params.get("hub.mode") != "subscribe" or not same_secret(
            token, gateway.meta_verify_token
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
        if not gateway.meta_app_secret or not same_secret(
            given, meta_signature(gateway.meta_app_secret, body)
        ):
            _logger.warning(
                "Meta receipt with a bad signature for gateway %s", gateway_id
            )
            raise Forbidden()
        try:
            receipts = meta_receipts(json.loads(body))
        except (ValueError, RecursionError) as error:
            _logger.warning(
                "Meta receipt of an unexpected shape for gateway %s: %s",
                gateway_id,
                str(error)[:200],
            )
            return request.make_response("", status=400)
        for message_id, reference, status, reason in receipts:
            self._messages(gateway, message_id, reference)._apply_receipt(
                status, reason
            )
        return request.make_response("", status=200)
