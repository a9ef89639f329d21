# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import HttpStub
from .isolation import DemoIsolatedCase

NOW = datetime(2026, 12, 1, 9, 0)


def provider_ok(request):
    """Answers like each provider does on success."""
    path = request["path"]
    if path.endswith("/Messages.json"):
        return 201, {}, {"sid": f"SM{len(path)}{request['form'].get('To')[-4:]}"}, 0
    if path.endswith("/messages"):
        return 200, {}, {"messages": [{"id": "wamid.HBgM123"}]}, 0
    return 200, {}, {"status": "ok", "data": {"id": "gen-42"}}, 0


class GatewayCase(DemoIsolatedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.script = []  # scripted answers, consumed first
        cls.stub = HttpStub(cls._answer).start()
        cls.addClassCleanup(cls.stub.stop)
        cls.company = cls.env["res.company"].create(
            {"name": "Toko Jaya", "country_id": cls.env.ref("base.id").id}
        )
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company.ids)
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Budi Santoso",
                "mobile": "0821-1234-5678",
                "country_id": cls.env.ref("base.id").id,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _answer(cls, request):
        if cls.script:
            answer = cls.script.pop(0)
            if callable(answer):
                return answer(request)
            return answer
        return provider_ok(request)

    def setUp(self):
        super().setUp()
        # The scenario happens just before NOW, the moment dispatch() runs
        # at by default: what a test queues is due then, on any real day.
        self.clock_at(NOW - timedelta(minutes=1))
        self.stub.requests.clear()
        self.script.clear()

    def gateway(self, provider="generic", **values):
        defaults = {
            "generic": {
                "url": f"{self.stub.url}/api/send",
                "headers_json": json.dumps({"Authorization": "Bearer local-token"}),
                "body_format": "json",
                "body_template": (
                    '{"to": "{number}", "message": "{text}", "ref": "{reference}"}'
                ),
                "number_format": "digits",
                "success_json_path": "status",
                "success_value": "ok",
                "message_id_json_path": "data.id",
            },
            "twilio": {
                "base_url": self.stub.url,
                "twilio_account_sid": "AC0123456789",
                "twilio_auth_token": "twilio-secret",
                "sms_from": "+15005550006",
                "whatsapp_from": "+14155238886",
                "use_for_whatsapp": True,
            },
            "meta": {
                "base_url": self.stub.url,
                "meta_phone_number_id": "1122334455",
                "meta_access_token": "meta-token",
                "meta_app_secret": "meta-app-secret",
                "meta_verify_token": "verify-me",
                "use_for_sms": False,
                "use_for_whatsapp": True,
            },
        }[provider]
        defaults.update(values)
        return self.env["crm.alert.gateway"].create(
            {
                "name": provider,
                "provider": provider,
                "company_id": self.company.id,
                **defaults,
            }
        )

    def queue(
        self, channel="sms", partner=None, text="Pesanan Anda sedang diproses", **kw
    ):
        partner = partner or self.customer
        values = {
            "company_id": self.company.id,
            "kind": "message",
            "channel": channel,
            "dedupe_key": f"test:{channel}:{partner.id}:{text}:{kw}",
            "recipient_partner_id": partner.id,
            "body_text": text,
            "subject": text[:40],
        }
        values.update(kw)
        return self.env["crm.alert.message"].create(values)

    def dispatch(self, at=NOW):
        with freeze_time(at):
            return self.env["crm.alert.message"]._cron_dispatch()


@tagged("post_install", "-at_install", "crm_alert")
class TestGatewayRequests(GatewayCase):
    def test_generic_http_request(self):
        self.gateway("generic")
        message = self.queue(text='Halo "Budi", pesanan #12')
        self.dispatch()
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.provider_message_id, "gen-42")
        self.assertEqual(message.phone, "+6282112345678")
        [request] = self.stub.requests
        self.assertEqual((request["method"], request["path"]), ("POST", "/api/send"))
        self.assertEqual(request["headers"]["authorization"], "Bearer local-token")
        self.assertEqual(
            request["json"],
            {
                "to": "6282112345678",
                "message": 'Halo "Budi", pesanan #12',
                "ref": f"crm-alert-{message.id}",
            },
        )
        self.assertEqual(message.attempt_ids.mapped("outcome"), ["sent"])

    def test_generic_http_form_and_query_string(self):
        fields_json = json.dumps(
            {"apikey": "k-123", "to": "{number}", "msg": "{text}", "id": "{reference}"}
        )
        self.gateway("generic", body_format="form", body_template=fields_json)
        form_message = self.queue(text="Pesanan dikirim")
        self.dispatch()
        self.assertEqual(form_message.state, "sent")
        form = self.stub.requests[-1]
        self.assertEqual(form["method"], "POST")
        self.assertEqual(
            form["form"],
            {
                "apikey": "k-123",
                "to": "6282112345678",
                "msg": "Pesanan dikirim",
                "id": f"crm-alert-{form_message.id}",
            },
        )

        self.env["crm.alert.gateway"].search([]).unlink()
        self.gateway(
            "generic", http_method="GET", body_format="query", body_template=fields_json
        )
        query_message = self.queue(text="Pesanan tiba & diterima")
        self.dispatch()
        self.assertEqual(query_message.state, "sent")
        query = self.stub.requests[-1]
        self.assertEqual((query["method"], query["path"]), ("GET", "/api/send"))
        self.assertEqual(query["query"]["msg"], "Pesanan tiba & diterima")
        self.assertEqual(query["query"]["to"], "6282112345678")

    def test_generic_http_success_field_checked(self):
        self.gateway("generic")
        self.script.append((200, {}, {"status": "error", "reason": "saldo habis"}, 0))
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "failed")
        self.assertIn("saldo habis", message.error)

    def test_twilio_sms_and_whatsapp_requests(self):
        gateway = self.gateway("twilio")
        sms = self.queue("sms")
        whatsapp = self.queue("whatsapp", text="Pesanan dikirim")
        self.dispatch()
        self.assertEqual((sms.state, whatsapp.state), ("sent", "sent"))
        first, second = self.stub.requests
        self.assertEqual(
            first["path"], "/2010-04-01/Accounts/AC0123456789/Messages.json"
        )
        expected_auth = base64.b64encode(b"AC0123456789:twilio-secret").decode()
        self.assertEqual(first["headers"]["authorization"], f"Basic {expected_auth}")
        self.assertEqual(first["form"]["To"], "+6282112345678")
        self.assertEqual(first["form"]["From"], "+15005550006")
        self.assertEqual(first["form"]["Body"], "Pesanan Anda sedang diproses")
        self.assertEqual(
            first["form"]["StatusCallback"],
            f"{gateway.get_base_url()}/crm_alert/webhook/twilio/{gateway.id}"
            f"?ref=crm-alert-{sms.id}",
        )
        self.assertEqual(second["form"]["To"], "whatsapp:+6282112345678")
        self.assertEqual(second["form"]["From"], "whatsapp:+14155238886")
        self.assertTrue(sms.provider_message_id.startswith("SM"))

    def test_meta_whatsapp_template_request(self):
        self.gateway("meta")
        message = self.queue(
            "whatsapp",
            wa_template_name="order_shipped",
            wa_template_lang="id",
            wa_template_params=["Budi", "JNE123456"],
        )
        self.dispatch()
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.provider_message_id, "wamid.HBgM123")
        [request] = self.stub.requests
        self.assertEqual(request["path"], "/v19.0/1122334455/messages")
        self.assertEqual(request["headers"]["authorization"], "Bearer meta-token")
        self.assertEqual(
            request["json"],
            {
                "messaging_product": "whatsapp",
                "to": "6282112345678",
                "type": "template",
                "template": {
                    "name": "order_shipped",
                    "language": {"code": "id"},
                    "components": [
                        {
                            "type": "body",
                            "parameters": [
                                {"type": "text", "text": "Budi"},
                                {"type": "text", "text": "JNE123456"},
                            ],
                        }
                    ],
                },
                "biz_opaque_callback_data": f"crm-alert-{message.id}",
            },
        )

    def test_meta_free_text_message(self):
        """Inside the 24-hour customer service window Meta takes plain text."""
        self.gateway("meta")
        message = self.queue("whatsapp", text="Terima kasih, Budi!")
        self.dispatch()
        self.assertEqual(message.state, "sent")
        [request] = self.stub.requests
        self.assertEqual(
            request["json"],
            {
                "messaging_product": "whatsapp",
                "to": "6282112345678",
                "type": "text",
                "text": {"body": "Terima kasih, Budi!"},
                "biz_opaque_callback_data": f"crm-alert-{message.id}",
            },
        )

    def test_send_test_message_button(self):
        gateway = self.gateway("twilio", test_number="0812 3456 7890")
        result = gateway.action_send_test()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(self.stub.requests[0]["form"]["To"], "+6281234567890")


@tagged("post_install", "-at_install", "crm_alert")
class TestGatewayFaults(GatewayCase):
    def test_500_retried_then_delivered(self):
        self.gateway("twilio")
        self.script.append((500, {}, {"message": "Internal error", "code": 20500}, 0))
        message = self.queue()
        self.dispatch()
        self.assertEqual((message.state, message.attempts), ("retry", 1))
        self.assertIn("Internal error", message.error)
        self.assertEqual(message.next_try, datetime(2026, 12, 1, 9, 1))
        self.dispatch(datetime(2026, 12, 1, 9, 1))
        self.assertEqual((message.state, message.attempts), ("sent", 2))
        self.assertEqual(message.attempt_ids.mapped("outcome"), ["retry", "sent"])
        self.assertEqual(message.attempt_ids.mapped("http_status"), [500, 0])
        self.assertEqual(len(self.stub.requests), 2)

    def test_429_honours_retry_after(self):
        self.gateway("twilio")
        self.script.append((429, {"Retry-After": "300"}, {"message": "Too many"}, 0))
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "retry")
        self.assertEqual(message.next_try, datetime(2026, 12, 1, 9, 5), "300 s, not 60")
        self.dispatch(datetime(2026, 12, 1, 9, 4))
        self.assertEqual(len(self.stub.requests), 1, "not before Retry-After")
        self.dispatch(datetime(2026, 12, 1, 9, 5))
        self.assertEqual(message.state, "sent")

    def test_timeout_retried(self):
        # Odoo's test framework raises any requests timeout below 10 s to 10 s
        self.gateway("generic", timeout_seconds=10)
        self.script.append(lambda request: (200, {}, {"status": "ok"}, 10.5))
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "retry")
        self.assertIn("No answer from the provider within 10 s", message.error)
        self.dispatch(datetime(2026, 12, 1, 9, 1))
        self.assertEqual(message.state, "sent")

    def test_invalid_number_fails_alone_the_batch_goes_out(self):
        self.gateway("twilio")
        country = self.env.ref("base.id")
        partners = self.env["res.partner"].create(
            [
                {"name": "Siti", "mobile": "0813-9876-5432", "country_id": country.id},
                {"name": "Ahmad", "mobile": "0857-1111-2222", "country_id": country.id},
            ]
        )

        def refuse_ahmad(request):
            if request["form"].get("To") == "+6285711112222":
                body = {
                    "code": 21211,
                    "message": "The 'To' number is not a valid phone number.",
                }
                return 400, {}, body, 0
            return provider_ok(request)

        self.script.extend([provider_ok, refuse_ahmad, provider_ok])
        siti, ahmad, budi = (self.queue(partner=p) for p in (*partners, self.customer))
        nowhere = self.queue(phone="12345", text="no such number")
        self.dispatch()
        self.assertEqual((siti.state, budi.state), ("sent", "sent"))
        self.assertEqual(ahmad.state, "failed", "a 4xx is final")
        self.assertIn("not a valid phone number", ahmad.error)
        self.assertIn("21211", ahmad.error)
        self.assertEqual(nowhere.state, "failed")
        self.assertIn("Invalid number 12345", nowhere.error)
        self.assertEqual(len(self.stub.requests), 3, "the invalid number never left")

    def test_rate_limit_defers_to_the_next_minute(self):
        self.gateway("twilio", rate_limit_per_minute=2)
        messages = [self.queue(text=f"pesan {i}") for i in range(3)]
        with freeze_time(NOW):
            self.env["crm.alert.message"]._cron_dispatch()
        self.assertEqual([m.state for m in messages], ["sent", "sent", "queued"])
        self.assertEqual(messages[2].attempts, 0)
        self.assertEqual(messages[2].next_try, datetime(2026, 12, 1, 9, 1))
        dispatcher = self.env.ref("crm_alert_automation.ir_cron_crm_alert_dispatch")
        wake_ups = self.env["ir.cron.trigger"].search([("cron_id", "=", dispatcher.id)])
        self.assertIn(messages[2].next_try, wake_ups.mapped("call_at"), "wakes up")
        self.dispatch(datetime(2026, 12, 1, 9, 1, 1))
        self.assertEqual(messages[2].state, "sent")

    def test_no_gateway_is_a_clear_failure(self):
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "failed")
        self.assertIn("No active sms gateway for Toko Jaya", message.error)


@tagged("post_install", "-at_install", "crm_alert")
class TestConsentAndNumbers(GatewayCase):
    def test_blacklisted_number_skipped(self):
        self.gateway("twilio")
        self.env["phone.blacklist"].sudo().add("+6282112345678")
        message = self.queue()
        self.dispatch()
        self.assertEqual(message.state, "skipped")
        self.assertIn("blacklist", message.error)
        self.assertFalse(self.stub.requests)

    def test_whatsapp_opt_out_skipped_sms_still_sent(self):
        self.gateway("twilio")
        self.customer.crm_alert_whatsapp_opt_out = True
        whatsapp = self.queue("whatsapp")
        sms = self.queue("sms")
        self.dispatch()
        self.assertEqual(whatsapp.state, "skipped")
        self.assertIn("opted out of WhatsApp", whatsapp.error)
        self.assertEqual(sms.state, "sent")

    def test_numbers_of_indonesia_vietnam_poland(self):
        Message = self.env["crm.alert.message"]
        table = [
            ("base.id", "0821-1234-5678", "+6282112345678"),
            ("base.id", "+62 821 1234 5678", "+6282112345678"),
            ("base.id", "6282112345678", "+6282112345678"),
            ("base.vn", "0912 345 678", "+84912345678"),
            ("base.vn", "+84 91 234 56 78", "+84912345678"),
            ("base.pl", "512 345 678", "+48512345678"),
            ("base.pl", "+48 512-345-678", "+48512345678"),
        ]
        for country_ref, typed, e164 in table:
            with self.subTest(typed=typed):
                country = self.env.ref(country_ref)
                self.assertEqual(Message._normalize_number(typed, country), e164)
        partner = self.env["res.partner"].create(
            {
                "name": "Wa",
                "mobile": "0821 1234 5678",
                "country_id": self.env.ref("base.id").id,
            }
        )
        self.assertEqual(partner._crm_alert_whatsapp_number(), "6282112345678")

    def test_unusable_numbers_never_block_ordinary_work(self):
        """Contacts and leads save whatever number they carry (converting a
        lead with phone 5551234 used to raise once a gateway existed); the
        message to an unusable number fails alone, saying why."""
        self.gateway("twilio")
        lead = self.env["crm.lead"].create(
            {
                "name": "Walk-in",
                "contact_name": "Pak Joko",
                "phone": "5551234",
                "company_id": self.company.id,
            }
        )
        lead._handle_partner_assignment(create_missing=True)  # Convert
        self.assertEqual(lead.partner_id.phone, "5551234")
        table = [
            ("base.id", "12345"),
            ("base.id", "0821"),
            ("base.id", "+62 999"),
            ("base.vn", "0912 345"),
            ("base.vn", "+84 12"),
            ("base.pl", "512 345"),
            ("base.pl", "+48 1"),
        ]
        messages = self.env["crm.alert.message"]
        for country_ref, bad in table:
            partner = self.env["res.partner"].create(
                {
                    "name": "Salah",
                    "mobile": bad,
                    "country_id": self.env.ref(country_ref).id,
                    "company_id": self.company.id,
                }
            )
            messages |= self.queue(partner=partner, text=f"to {bad}")
        good = self.queue(
            partner=self.env["res.partner"].create(
                {"name": "Benar", "mobile": "0821 1234 5678"}
            )
        )
        self.dispatch()
        for message in messages:
            with self.subTest(number=message.recipient_partner_id.mobile):
                self.assertEqual(message.state, "failed")
                self.assertIn(
                    f"Invalid number {message.recipient_partner_id.mobile}",
                    message.error,
                )
        self.assertEqual(good.state, "sent")
        self.assertEqual(len(self.stub.requests), 1, "only the usable number")

    def test_gateway_secrets_only_for_settings_admins(self):
        gateway = self.gateway("twilio")
        salesman = new_test_user(
            self.env,
            login="sales_gw",
            groups="sales_team.group_sale_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            gateway.with_user(salesman).read(["twilio_auth_token"])
        admin = new_test_user(
            self.env,
            login="admin_gw",
            groups="base.group_system",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(gateway.with_user(admin).twilio_auth_token, "twilio-secret")

    def test_bad_gateway_configuration_refused_on_save(self):
        with self.assertRaisesRegex(
            ValidationError, "Headers \\(JSON\\) is not valid JSON"
        ):
            self.gateway("generic", headers_json="{not json")
        with self.assertRaisesRegex(ValidationError, "URL"):
            self.gateway("generic", url="ftp://example.com")
        with self.assertRaisesRegex(ValidationError, "Account SID"):
            self.gateway("twilio", twilio_auth_token=False)
        with self.assertRaisesRegex(ValidationError, "WhatsApp Sender is required"):
            self.gateway("twilio", whatsapp_from=False)
        with self.assertRaisesRegex(ValidationError, "SMS Sender is required"):
            self.gateway("twilio", sms_from=False)
