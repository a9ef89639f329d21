# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Secrets stay out of what providers make us write, settings stay with the
Settings administrators, and malformed input from providers or users is
refused cleanly instead of answering 500 or crashing later."""

import contextlib
import json
import logging
import urllib.parse

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..controllers.gateway_webhooks import meta_signature, twilio_signature
from .common import free_port
from .test_gateways import GatewayCase

GENERIC_KEY = "SECRET-KEY-9876/x+y"
GENERIC_PASSWORD = "pw-Rahasia-77"
HEADER_TOKEN = "hdr-token-5555"
BODY_KEY = "body-apikey-4321"
TWILIO_SID = "AC5ecretAccount5id"
TWILIO_TOKEN = "twilio-secret"
META_TOKEN = "meta-token"
META_APP_SECRET = "meta-app-secret"
META_VERIFY = "verify-me"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def addon_log_lines():
    """Every line the addon logs, down to DEBUG, while the block runs."""
    logger = logging.getLogger("odoo.addons.crm_alert_automation")
    handler = _Capture()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@tagged("post_install", "-at_install", "crm_alert")
class TestGatewaySecretsStayOut(GatewayCase):
    """Sales managers read the outbox's error and the attempt log: neither
    may hold a gateway's credentials."""

    def generic_gateway(self, base, **values):
        return self.gateway(
            "generic",
            url=(
                f"http://alerts:{GENERIC_PASSWORD}@{base}/send"
                f"?api_key={urllib.parse.quote(GENERIC_KEY, safe='')}&to={{number}}"
            ),
            headers_json=json.dumps({"Authorization": f"Bearer {HEADER_TOKEN}"}),
            body_template=json.dumps(
                {"apikey": BODY_KEY, "to": "{number}", "message": "{text}"}
            ),
            **values,
        )

    def twilio_gateway(self, base_url=None, **values):
        return self.gateway(
            "twilio",
            base_url=base_url or self.stub.url,
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token=TWILIO_TOKEN,
            **values,
        )

    def assertClean(self, texts, secrets):
        for text in texts:
            for secret in secrets:
                variants = {
                    secret,
                    urllib.parse.quote(secret, safe=""),
                    urllib.parse.quote_plus(secret),
                }
                for variant in variants:
                    self.assertNotIn(variant, text or "")

    def assertMessageClean(self, message, secrets, log_lines=(), echoed=False):
        texts = [message.error, *message.attempt_ids.mapped("detail"), *log_lines]
        self.assertTrue(message.error)
        self.assertClean(texts, secrets)
        if not echoed:
            self.assertNotIn("api_key=", message.error)
        self.assertNotIn("/send", message.error, "no request URL in the reason")
        self.assertNotIn("/Accounts/", message.error, "no request URL in the reason")

    def test_unreachable_generic_url_keeps_its_secrets(self):
        self.generic_gateway(f"127.0.0.1:{free_port()}")  # nothing listens
        message = self.queue()
        with addon_log_lines() as lines:
            self.dispatch()
        self.assertEqual(message.state, "retry")
        self.assertIn("Could not reach the provider", message.error)
        self.assertIn("Connection refused", message.error)
        self.assertMessageClean(
            message, [GENERIC_KEY, GENERIC_PASSWORD, HEADER_TOKEN, BODY_KEY], lines
        )

    def test_unreachable_twilio_keeps_account_sid_and_token(self):
        self.twilio_gateway(f"http://127.0.0.1:{free_port()}")
        message = self.queue()
        with addon_log_lines() as lines:
            self.dispatch()
        self.assertEqual(message.state, "retry")
        self.assertIn("Could not reach the provider", message.error)
        self.assertMessageClean(message, [TWILIO_SID, TWILIO_TOKEN], lines)

    def test_provider_answers_echoing_secrets_are_redacted(self):
        """Providers echo what they were given: the key in the URL, the
        token of the header, the account: none of it is copied."""

        def echo(status, body_of):
            def answer(request):
                return status, {}, body_of(request), 0

            return answer

        query_echo = echo(
            400,
            lambda r: {"error": f"bad request {urllib.parse.urlencode(r['query'])}"},
        )
        header_echo = echo(
            500, lambda r: f"upstream refused {r['headers']['authorization']}".encode()
        )
        body_echo = echo(
            429, lambda r: {"error": f"quota of key {r['json']['apikey']}"}
        )
        success_echo = echo(200, lambda r: {"status": "error", "echo": r["json"]})
        for answer in (query_echo, header_echo, body_echo, success_echo):
            with self.subTest(answer=answer):
                self.env["crm.alert.gateway"].search([]).unlink()
                self.generic_gateway(f"127.0.0.1:{self.stub.port}")
                self.script.append(answer)
                message = self.queue(text=f"pesan {len(self.stub.requests)}")
                with addon_log_lines() as lines:
                    self.dispatch()
                self.assertIn(message.state, ("retry", "failed"))
                self.assertIn("[secret]", message.error)
                self.assertMessageClean(
                    message,
                    [GENERIC_KEY, GENERIC_PASSWORD, HEADER_TOKEN, BODY_KEY],
                    lines,
                    echoed=True,
                )

    def test_twilio_and_meta_answers_echoing_secrets_are_redacted(self):
        self.twilio_gateway()
        self.script.append(
            (
                401,
                {},
                {
                    "code": 20003,
                    "message": f"Authenticate {TWILIO_SID} with {TWILIO_TOKEN}",
                },
                0,
            )
        )
        sms = self.queue()
        self.dispatch()
        self.assertEqual(sms.state, "failed")
        self.assertIn("20003", sms.error)
        self.assertMessageClean(sms, [TWILIO_SID, TWILIO_TOKEN])

        self.env["crm.alert.gateway"].search([]).unlink()
        self.gateway("meta")
        self.script.append(
            (
                400,
                {},
                {
                    "error": {
                        "code": 190,
                        "message": f"Invalid OAuth access token - {META_TOKEN}"
                        f" (app {META_APP_SECRET}, verify {META_VERIFY})",
                    }
                },
                0,
            )
        )
        whatsapp = self.queue("whatsapp")
        self.dispatch()
        self.assertEqual(whatsapp.state, "failed")
        self.assertIn("190", whatsapp.error)
        self.assertMessageClean(whatsapp, [META_TOKEN, META_APP_SECRET, META_VERIFY])

    def test_send_test_button_error_has_no_secret(self):
        gateway = self.twilio_gateway(
            f"http://127.0.0.1:{free_port()}", test_number="0812 3456 7890"
        )
        with self.assertRaises(UserError) as caught:
            gateway.action_send_test()
        self.assertIn("Could not reach the provider", str(caught.exception))
        self.assertClean([str(caught.exception)], [TWILIO_SID, TWILIO_TOKEN])
        self.assertNotIn("/Accounts/", str(caught.exception))

        generic = self.generic_gateway(
            f"127.0.0.1:{self.stub.port}", test_number="0812 3456 7890"
        )
        self.script.append(
            lambda r: (403, {}, {"error": f"key {r['query']['api_key']}"}, 0)
        )
        with self.assertRaises(UserError) as caught:
            generic.action_send_test()
        self.assertIn("Refused by the provider (403)", str(caught.exception))
        self.assertClean([str(caught.exception)], [GENERIC_KEY])

    def test_header_value_that_http_cannot_carry_refused_on_save(self):
        with self.assertRaises(ValidationError) as caught:
            self.gateway(
                "generic",
                headers_json=json.dumps({"Authorization": "Bearer tok-9\r\nX-A: 1"}),
            )
        self.assertIn("Headers (JSON)", str(caught.exception))
        self.assertNotIn("tok-9", str(caught.exception), "the value is a secret")
        with self.assertRaisesRegex(ValidationError, "URL"):
            self.gateway("generic", url=f"{self.stub.url}/send?k=a b\n")

    def test_odd_retry_after_and_answers_do_not_crash(self):
        """A provider's garbage is a failure of that message, said clearly."""
        self.twilio_gateway()
        self.script.extend(
            [
                (429, {"Retry-After": "99999999999999999999"}, {"message": "x"}, 0),
                (429, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 -0000"}, {}, 0),
                (201, {}, ["not", "an", "object"], 0),
            ]
        )
        first, second, third = (self.queue(text=f"pesan {i}") for i in range(3))
        self.dispatch()
        self.assertEqual((first.state, second.state), ("retry", "retry"))
        self.assertIn("Rate limited", first.error)
        self.assertIn("Rate limited", second.error)
        self.assertEqual(third.state, "sent")
        self.assertFalse(third.provider_message_id)

    def test_form_fields_that_are_not_text_are_sent(self):
        fields_json = json.dumps(
            {"to": "{number}", "msg": "{text}", "type": 1, "u": True}
        )
        self.gateway("generic", body_format="form", body_template=fields_json)
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "sent")
        form = self.stub.requests[-1]["form"]
        self.assertEqual((form["type"], form["u"]), ("1", "true"))

    def test_answer_nested_beyond_reason_is_a_clear_refusal(self):
        self.gateway("generic")
        self.script.append((200, {}, b"[" * 100000 + b"]" * 100000, 0))
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "failed")
        self.assertIn("The provider did not confirm", message.error)


@tagged("post_install", "-at_install", "crm_alert")
class TestWebhookGarbage(GatewayCase, HttpCase):
    """Whatever reaches the webhooks, the answer is never a 500."""

    def post(self, path, data, headers):
        self.env.flush_all()
        response = self.url_open(path, data=data, headers=headers)
        self.env.invalidate_all()
        return response

    def signed_meta(self, gateway, body):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.post(
            f"/crm_alert/webhook/meta/{gateway.id}",
            body,
            {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": meta_signature(META_APP_SECRET, body),
            },
        )

    def signed_twilio(self, gateway, params, query=""):
        path = f"/crm_alert/webhook/twilio/{gateway.id}" + (
            f"?{query}" if query else ""
        )
        signature = twilio_signature(TWILIO_TOKEN, self.base_url() + path, params)
        return self.post(path, params, {"X-Twilio-Signature": signature})

    def sent(self, provider, channel):
        gateway = self.gateway(provider)
        message = self.queue(channel)
        self.dispatch()
        self.assertEqual(message.state, "sent")
        return gateway, message

    def test_non_ascii_signatures_and_verify_token_are_403(self):
        twilio, sms = self.sent("twilio", "sms")
        params = {"MessageSid": sms.provider_message_id, "MessageStatus": "read"}
        for signature in ("é" * 28, "ü✓".encode(), "Zm9v\u00a0"):
            with self.subTest(signature=signature):
                response = self.post(
                    f"/crm_alert/webhook/twilio/{twilio.id}",
                    params,
                    {"X-Twilio-Signature": signature},
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(sms.state, "sent")

        meta, whatsapp = self.sent("meta", "whatsapp")
        body = json.dumps({"entry": []}).encode()
        for signature in ("sha256=" + "é" * 64, "sha256=✓".encode()):
            with self.subTest(signature=signature):
                response = self.post(
                    f"/crm_alert/webhook/meta/{meta.id}",
                    body,
                    {"X-Hub-Signature-256": signature},
                )
                self.assertEqual(response.status_code, 403)
        self.assertEqual(whatsapp.state, "sent")
        path = f"/crm_alert/webhook/meta/{meta.id}"
        for token in ("%C3%A9t%C3%A9", "v%E2%9C%93rify", "%FF%FE"):
            with self.subTest(token=token):
                response = self.url_open(
                    f"{path}?hub.mode=subscribe&hub.verify_token={token}"
                    "&hub.challenge=42"
                )
                self.assertEqual(response.status_code, 403)

    def test_meta_payloads_of_odd_shapes_are_400_and_change_nothing(self):
        gateway, message = self.sent("meta", "whatsapp")
        wamid = message.provider_message_id
        good = {"id": wamid, "status": "read"}

        def entry(changes):
            return {"entry": [{"changes": changes}]}

        def statuses(value):
            return entry([{"field": "messages", "value": {"statuses": value}}])

        odd = [
            [],
            42,
            "text",
            None,
            {"entry": {}},
            {"entry": "x"},
            {"entry": None},
            {"entry": [1]},
            {"entry": [{"changes": "x"}]},
            entry(["a change that is a string"]),
            entry([{"value": []}]),
            entry([{"value": "x"}]),
            statuses({}),
            statuses({"id": wamid, "status": "read"}),
            statuses(["x"]),
            statuses([{"id": wamid, "status": ["read"]}]),
            statuses([{"id": 5, "status": "read"}]),
            statuses([{"id": wamid, "status": "failed", "errors": "boom"}]),
            statuses([{"id": wamid, "status": "failed", "errors": ["boom"]}]),
            statuses([{"id": wamid, "status": "read", "biz_opaque_callback_data": 7}]),
            statuses([good, "garbage after a good receipt"]),
            b"\xff\xfe not utf-8",
            b"[" * 100000 + b"]" * 100000,
            b"1" * 5000,
        ]
        for body in odd:
            with self.subTest(body=repr(body)[:60]):
                response = self.signed_meta(gateway, body)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(message.state, "sent", "nothing changed")

        response = self.signed_meta(gateway, statuses([good]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(message.state, "read")

    def test_twilio_receipt_without_message_sid_changes_nothing(self):
        gateway = self.gateway("twilio")
        waiting = self.queue(gateway_id=gateway.id)
        other = self.queue(text="another", gateway_id=gateway.id)
        other.sudo().write({"state": "retry"})
        for params in (
            {"MessageStatus": "failed", "ErrorCode": "30003"},
            {"MessageSid": "", "MessageStatus": "undelivered"},
            {"MessageSid": "  ", "MessageStatus": "delivered"},
        ):
            with self.subTest(params=params):
                response = self.signed_twilio(gateway, params)
                self.assertIn(response.status_code, (204, 400))
                self.assertEqual((waiting.state, other.state), ("queued", "retry"))
                self.assertFalse(waiting.error)

    def test_twilio_receipt_before_the_message_id_is_saved(self):
        """The receipt comes back with our reference in the callback URL."""
        gateway = self.gateway("twilio")
        message = self.queue()
        self.dispatch()
        callback = self.stub.requests[-1]["form"]["StatusCallback"]
        reference = f"crm-alert-{message.id}"
        self.assertEqual(
            callback,
            f"{gateway.get_base_url()}/crm_alert/webhook/twilio/{gateway.id}"
            f"?ref={reference}",
        )
        # As the webhook sees it while the dispatcher has not committed yet.
        message.sudo().write({"state": "sending", "provider_message_id": False})
        params = {"MessageSid": "SMearly0001", "MessageStatus": "delivered"}
        unsigned_query = twilio_signature(
            TWILIO_TOKEN,
            f"{self.base_url()}/crm_alert/webhook/twilio/{gateway.id}",
            params,
        )
        response = self.post(
            f"/crm_alert/webhook/twilio/{gateway.id}?ref={reference}",
            params,
            {"X-Twilio-Signature": unsigned_query},
        )
        self.assertEqual(response.status_code, 403, "the query string is signed")
        self.assertEqual(message.state, "sending")

        response = self.signed_twilio(gateway, params, f"ref={reference}")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(message.state, "delivered")

        # Only rows of this gateway; a receipt of an earlier send of a row
        # that was sent again is stale.
        theirs_gateway = self.gateway("twilio", twilio_account_sid="AC-OTHER")
        theirs = self.queue(text="theirs", gateway_id=theirs_gateway.id)
        theirs.sudo().write({"state": "sent", "provider_message_id": "SMtheirs"})
        message.sudo().write({"provider_message_id": "SMsecond"})
        for sid, ref in (
            ("SMtheirs", f"crm-alert-{theirs.id}"),
            ("SMtheirs", "crm-alert-99999999999"),
            ("SMtheirs", "bogus"),
            ("SMfirst", reference),
        ):
            with self.subTest(sid=sid, ref=ref):
                response = self.signed_twilio(
                    gateway,
                    {"MessageSid": sid, "MessageStatus": "failed"},
                    f"ref={ref}",
                )
                self.assertIn(response.status_code, (204, 400))
                self.assertEqual((theirs.state, message.state), ("sent", "delivered"))

    def test_meta_receipt_before_the_message_id_is_saved(self):
        gateway = self.gateway("meta")
        message = self.queue("whatsapp")
        self.dispatch()
        reference = f"crm-alert-{message.id}"
        sent = self.stub.requests[-1]["json"]
        self.assertEqual(sent["biz_opaque_callback_data"], reference)
        message.sudo().write({"state": "sending", "provider_message_id": False})
        status = {
            "id": "wamid.EARLY",
            "status": "delivered",
            "biz_opaque_callback_data": reference,
        }
        body = {"entry": [{"changes": [{"value": {"statuses": [status]}}]}]}
        response = self.signed_meta(gateway, body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(message.state, "delivered")

        # A message still without gateway (being sent right now) is found too;
        # another gateway's row is not.
        other_gateway = self.gateway("meta", meta_phone_number_id="998877")
        theirs = self.queue("whatsapp", text="theirs", gateway_id=other_gateway.id)
        theirs.sudo().write({"state": "sent", "provider_message_id": "wamid.T"})
        fresh = self.queue("whatsapp", text="fresh")
        fresh.sudo().write({"state": "sending"})
        statuses = [
            {"id": "wamid.T", "status": "read", "biz_opaque_callback_data": ref}
            for ref in (f"crm-alert-{theirs.id}", f"crm-alert-{fresh.id}")
        ]
        body = {"entry": [{"changes": [{"value": {"statuses": statuses}}]}]}
        self.assertEqual(self.signed_meta(gateway, body).status_code, 200)
        self.assertEqual((theirs.state, fresh.state), ("sent", "read"))


@tagged("post_install", "-at_install", "crm_alert")
class TestSettingsValuesForAdminsOnly(HttpCase):
    # Keys with no field default: only get_values() can give them a value.
    CRM_ALERT_KEYS = (
        "crm_alert_smtp_host",
        "crm_alert_smtp_user",
        "crm_alert_smtp_password_set",
        "crm_alert_email_from",
        "crm_alert_activity_interval",
        "crm_alert_late_sender",
        "crm_alert_late_email",
        "crm_alert_late_user_ids",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Rahasia Abadi"})
        users = {}
        for login, groups in (
            ("rpc_admin", "base.group_system"),
            ("rpc_internal", "sales_team.group_sale_manager"),
            ("rpc_portal", "base.group_portal"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
        cls.admin, cls.internal, cls.portal = users.values()
        settings = (
            cls.env["res.config.settings"]
            .with_user(cls.admin)
            .with_company(cls.company)
            .create(
                {
                    "crm_alert_smtp_host": "smtp.rahasia.example.com",
                    "crm_alert_smtp_port": 2525,
                    "crm_alert_smtp_user": "svc-alerts",
                    "crm_alert_smtp_password": "hunter2-smtp",
                    "crm_alert_email_from": "alerts@rahasia.example.com",
                    "crm_alert_late_sender": "email",
                    "crm_alert_late_email": "boss@rahasia.example.com",
                }
            )
        )
        settings.execute()

    def assertNoAlertValues(self, values):
        leaked = sorted(set(self.CRM_ALERT_KEYS) & set(values))
        self.assertFalse(leaked, f"{leaked} returned")
        self.assertNotEqual(values.get("crm_alert_smtp_port"), 2525)
        self.assertNotIn("smtp.rahasia.example.com", json.dumps(values, default=str))
        self.assertNotIn("svc-alerts", json.dumps(values, default=str))

    def test_get_values_and_default_get_as_users(self):
        names = [*self.CRM_ALERT_KEYS, "crm_alert_smtp_port"]
        for user in (self.internal, self.portal):
            with self.subTest(user=user.login):
                settings = self.env(user=user)["res.config.settings"]
                self.assertNoAlertValues(settings.get_values())
                self.assertNoAlertValues(settings.default_get(names))
        admin = self.env(user=self.admin)["res.config.settings"]
        values = admin.get_values()
        self.assertEqual(values["crm_alert_smtp_host"], "smtp.rahasia.example.com")
        self.assertEqual(values["crm_alert_smtp_user"], "svc-alerts")
        self.assertTrue(values["crm_alert_smtp_password_set"])

    def test_get_values_and_default_get_over_json_rpc(self):
        names = [*self.CRM_ALERT_KEYS, "crm_alert_smtp_port"]
        for user in (self.portal, self.internal):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                for method, args in (("get_values", []), ("default_get", [names])):
                    values = self.make_jsonrpc_request(
                        f"/web/dataset/call_kw/res.config.settings/{method}",
                        {
                            "model": "res.config.settings",
                            "method": method,
                            "args": args,
                            "kwargs": {},
                        },
                    )
                    self.assertNoAlertValues(values)
        self.authenticate(self.admin.login, self.admin.login)
        values = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.config.settings/get_values",
            {
                "model": "res.config.settings",
                "method": "get_values",
                "args": [],
                "kwargs": {},
            },
        )
        self.assertEqual(values["crm_alert_smtp_host"], "smtp.rahasia.example.com")


@tagged("post_install", "-at_install", "crm_alert")
class TestSettingsInputRefused(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Masukan Buruk"})
        cls.admin = new_test_user(
            cls.env,
            login="bad_input_admin",
            groups="base.group_system,sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def settings(self, **values):
        smtp = {
            "crm_alert_smtp_host": "smtp.example.com",
            "crm_alert_smtp_port": 587,
            "crm_alert_email_from": "crm-alerts@example.com",
        }
        smtp.update(values)
        return (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .with_company(self.company)
            .create(smtp)
        )

    def assertRefused(self, label, **values):
        with self.assertRaises(ValidationError) as caught:
            self.settings(**values).execute()
        self.assertIn(label, str(caught.exception))
        self.assertLess(len(str(caught.exception)), 1000, "not the whole input")
        server = self.company.sudo().crm_alert_mail_server_id
        self.assertFalse(
            server and values.get("crm_alert_email_from") == server.from_filter
        )

    def test_sender_addresses_must_be_one_plain_address(self):
        bad_addresses = (
            "a@b@c",
            '"x" <a@b.com>',
            "Alerts <a@b.com>",
            "a@b.com, c@d.com",
            "a@b.com\r\nBcc: victim@example.com",
            "a b@example.com",
            "a" * 9988 + "@example.com",
            "a" * 250 + "@b.co",
        )
        for bad in bad_addresses:
            with self.subTest(bad=bad[:40]):
                self.assertRefused("Alerts Sender Address", crm_alert_email_from=bad)
                self.assertRefused(
                    "Late Response Sender E-mail",
                    crm_alert_late_sender="email",
                    crm_alert_late_email=bad,
                )
        self.settings(
            crm_alert_email_from=" alerts@toko-jaya.example.co.id ",
            crm_alert_late_sender="email",
            crm_alert_late_email="sales.director+crm@example.com",
        ).execute()
        self.assertEqual(
            self.company.crm_alert_email_from, "alerts@toko-jaya.example.co.id"
        )
        self.assertEqual(
            self.company.sudo().crm_alert_mail_server_id.from_filter,
            "alerts@toko-jaya.example.co.id",
        )

    def test_test_connection_refuses_bad_input_before_saving(self):
        for values in (
            {"crm_alert_email_from": '"x" <a@b.com>'},
            {"crm_alert_smtp_host": "smtp.example.com\r\nRCPT TO:<x@y.z>"},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.settings(**values).action_crm_alert_test_smtp()
            self.assertFalse(self.company.sudo().crm_alert_mail_server_id)

    def test_due_time_must_be_a_minute_of_the_day(self):
        for bad in (23.999, 23.9999, 24.0, -0.5, 100.0, float("nan"), float("inf")):
            with self.subTest(bad=bad):
                self.assertRefused("Activity Due Time", crm_alert_due_hour=bad)
        for good, expected in ((23.99, 23.99), (0.0, 0.0), (18.5, 18.5)):
            self.settings(crm_alert_due_hour=good).execute()
            self.assertEqual(self.company.crm_alert_due_hour, expected)

    def test_smtp_server_must_be_a_host_name_or_ip_address(self):
        bad_hosts = (
            "smtp.example.com\r\nX-Injected: 1",
            "smtp example.com",
            "smtp.example.com\n",
            "a" * 10000,
            ("a" * 60 + ".") * 5 + "com",
            "smtp..example.com",
            "-smtp.example.com",
            "smtp_example.com",
            "smtp.example.com:25",
            "http://smtp.example.com",
        )
        for bad in bad_hosts:
            with self.subTest(bad=bad[:40]):
                self.assertRefused("SMTP Server", crm_alert_smtp_host=bad)
                self.assertFalse(self.company.sudo().crm_alert_mail_server_id)
        for good in ("smtp.example.com", "127.0.0.1", "::1", "mail-1.example.co.id"):
            with self.subTest(good=good):
                self.settings(crm_alert_smtp_host=good).execute()
                server = self.company.sudo().crm_alert_mail_server_id
                self.assertEqual(server.smtp_host, good)
