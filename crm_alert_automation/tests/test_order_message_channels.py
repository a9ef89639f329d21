# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer messages' channels: Meta-approved WhatsApp templates (and
their sync from the Graph API), the fallback WhatsApp → SMS → e-mail, the
company's quiet hours and what the order's chatter says of each message.

Against a local server speaking Meta's Cloud API (messages and message
templates) and a generic SMS API, and a real SMTP server on loopback."""

from datetime import datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import HttpStub, MetaReceipts, real_smtp
from .test_order_messages import OrderMessagesCase

WABA = "987654321"
TEMPLATES_PATH = f"/v19.0/{WABA}/message_templates"


class ChannelsCase(OrderMessagesCase):
    """The Jakarta shop, its Meta gateway able to list templates, and an
    SMS gateway on a generic HTTP API."""

    # What the Meta stub answers next to a message (status, body), in order.
    meta_script = []
    # The business account's templates, as Graph API pages.
    template_pages = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway.meta_waba_id = WABA
        cls.sms_gateway = cls.env["crm.alert.gateway"].create(
            {
                "name": "SMS",
                "provider": "generic",
                "company_id": cls.company.id,
                "url": f"{cls.stub.url}/api/sms",
                "body_template": '{"to": "{number}", "message": "{text}"}',
                "body_format": "json",
                "success_json_path": "status",
                "success_value": "ok",
                "message_id_json_path": "id",
                "use_for_sms": True,
            }
        )

    @classmethod
    def _answer(cls, request):
        if request["path"] == "/api/sms":
            return 200, {}, {"status": "ok", "id": "sms-1"}, 0
        if request["path"] == TEMPLATES_PATH:
            page = 1 if "after" not in request["query"] else 2
            return 200, {}, cls.template_pages[page - 1], 0
        if cls.meta_script:
            status, body = cls.meta_script.pop(0)
            return status, {}, body, 0
        return 200, {}, {"messages": [{"id": f"wamid.{len(cls.stub.requests)}"}]}, 0

    def setUp(self):
        super().setUp()
        type(self).meta_script = []

    def requests_to(self, path_end):
        return [r for r in self.stub.requests if r["path"].endswith(path_end)]

    def template(self, status="approved", **values):
        return self.env["crm.alert.whatsapp.template"].create(
            {
                "name": "pesanan_diproses",
                "lang_code": "id",
                "category": "utility",
                "model": "sale.order",
                "body": "Halo {{1}}, pesanan {{2}} sedang kami proses.",
                "status": status,
                "company_id": self.company.id,
                "gateway_id": self.gateway.id,
                "variable_ids": [
                    (0, 0, {"position": 1, "field_path": "partner_id.name"}),
                    (0, 0, {"position": 2, "field_path": "name"}),
                ],
                **values,
            }
        )

    def notes(self, record):
        return record.message_ids.filtered(
            lambda m: "message" in (m.body or "") and m.message_type == "notification"
        ).mapped("body")


@tagged("post_install", "-at_install", "crm_alert")
class TestWhatsappTemplates(ChannelsCase):
    def test_approved_template_sent_as_template_message(self):
        template = self.template()
        self.company.crm_alert_order_created_wa_template_id = template
        order = self.confirmed()
        [message] = self.messages("order_created", order)
        self.dispatch()
        self.assertEqual(message.state, "sent")
        [request] = self.requests_to("/messages")
        payload = request["json"]
        self.assertEqual(payload["to"], "6282112345678")
        self.assertEqual(payload["type"], "template")
        self.assertNotIn("text", payload)
        self.assertEqual(payload["template"]["name"], "pesanan_diproses")
        self.assertEqual(payload["template"]["language"], {"code": "id"})
        self.assertEqual(
            payload["template"]["components"],
            [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Budi Santoso"},
                        {"type": "text", "text": order.name},
                    ],
                }
            ],
        )
        # What the customer read, in the ledger and in the order's chatter.
        read = f"Halo Budi Santoso, pesanan {order.name} sedang kami proses."
        self.assertEqual(message.body_text, read)
        self.assertTrue(any(read in body for body in self.notes(order)))

    def test_amount_with_its_currency(self):
        template = self.template(
            name="total",
            body="Total {{1}}",
            variable_ids=[(0, 0, {"position": 1, "field_path": "amount_total"})],
        )
        self.company.crm_alert_order_created_wa_template_id = template
        order = self.confirmed()
        self.dispatch()
        self.assertEqual(self.messages("order_created", order).error, False)
        [request] = self.requests_to("/messages")
        [parameter] = request["json"]["template"]["components"][0]["parameters"]
        symbol = order.currency_id.symbol
        self.assertIn(symbol, parameter["text"])
        self.assertIn(f"{order.amount_total:,.2f}", parameter["text"])
        self.assertEqual(
            self.messages("order_created", order).body_text,
            f"Total {parameter['text']}",
        )

    def test_template_not_approved_is_not_sent_and_says_why(self):
        self.company.crm_alert_order_created_wa_template_id = self.template(
            status="pending"
        )
        order = self.confirmed()
        [message] = self.messages("order_created", order)
        self.dispatch()
        self.assertFalse(self.requests_to("/messages"), "nothing reaches Meta")
        self.assertEqual(message.state, "failed")
        self.assertIn(
            "WhatsApp template pesanan_diproses (id) is not approved by Meta "
            "(status: Pending)",
            message.error,
        )
        [note] = [body for body in self.notes(order) if "failed" in body]
        self.assertIn("WhatsApp message to Budi Santoso failed", note)
        self.assertIn("is not approved by Meta", note)

    def test_variable_without_field_fails_readably(self):
        template = self.template()
        template.variable_ids.filtered(lambda v: v.position == 2).field_path = False
        self.company.crm_alert_order_created_wa_template_id = template
        order = self.confirmed()
        self.dispatch()
        message = self.messages("order_created", order)
        self.assertEqual(message.state, "failed")
        self.assertIn("{{2}} is mapped to no field", message.error)
        self.assertFalse(self.requests_to("/messages"))

    def test_template_missing_at_meta_132001(self):
        self.company.crm_alert_order_created_wa_template_id = self.template()
        type(self).meta_script = [
            (
                400,
                {
                    "error": {
                        "message": "(#132001) Template name does not exist in "
                        "the translation",
                        "type": "OAuthException",
                        "code": 132001,
                        "fbtrace_id": "A1b2",
                    }
                },
            )
        ]
        order = self.confirmed()
        self.dispatch()
        message = self.messages("order_created", order)
        self.assertEqual(message.state, "failed", "no retry: it will not appear")
        self.assertEqual(message.attempts, 1)
        self.assertIn(
            "Meta knows no approved WhatsApp template of this name in this "
            "language: sync the templates",
            message.error,
        )
        self.assertIn("Meta code 132001", message.error)
        self.assertNotIn("meta-token", message.error)

    def test_24_hour_window_closed_131047_when_refused_at_once(self):
        type(self).meta_script = [
            (
                400,
                {
                    "error": {
                        "message": "Re-engagement message",
                        "code": 131047,
                        "error_data": {"details": "Message failed to send"},
                    }
                },
            )
        ]
        order = self.confirmed()
        self.dispatch()
        message = self.messages("order_created", order)
        self.assertEqual(message.state, "failed")
        self.assertIn(
            "More than 24 hours have passed since the customer last wrote",
            message.error,
        )
        self.assertIn("choose a WhatsApp template", message.error)

    def test_settings_offer_the_template_per_event(self):
        template = self.template()
        settings = self.env["res.config.settings"].create({})
        settings.crm_alert_order_created_wa_template_id = template
        settings.execute()
        self.assertEqual(self.company.crm_alert_order_created_wa_template_id, template)
        self.assertEqual(
            self.env["res.config.settings"]
            .create({})
            .crm_alert_order_created_wa_template_id,
            template,
        )
        shipped_template = self.template(
            name="dikirim",
            model="stock.picking",
            body="Pesanan dikirim.",
            variable_ids=[],
        )
        with self.assertRaisesRegex(Exception, "another kind of record"):
            self.company.crm_alert_order_paid_wa_template_id = shipped_template

    def test_body_variables_numbered_without_gaps(self):
        with self.assertRaisesRegex(Exception, "without gaps"):
            self.template(body="Halo {{1}}, {{3}}")


@tagged("post_install", "-at_install", "crm_alert")
class TestSyncFromMeta(ChannelsCase):
    def test_sync_reads_every_page_of_the_graph_api(self):
        local = self.template(status="draft", name="pesanan_dikirim")
        local.variable_ids.unlink()
        local.body = "old text"
        type(self).template_pages = [
            {
                "data": [
                    {
                        "id": "111",
                        "name": "pesanan_dikirim",
                        "language": "id",
                        "status": "APPROVED",
                        "category": "UTILITY",
                        "components": [
                            {"type": "HEADER", "format": "TEXT", "text": "Toko"},
                            {
                                "type": "BODY",
                                "text": "Halo {{1}}, pesanan {{2}} dikirim.",
                            },
                        ],
                    },
                    {
                        "id": "222",
                        "name": "promo_desember",
                        "language": "id",
                        "status": "REJECTED",
                        "category": "MARKETING",
                        "rejected_reason": "INVALID_FORMAT",
                        "components": [{"type": "BODY", "text": "Diskon!"}],
                    },
                ],
                "paging": {
                    "cursors": {"before": "QVFA", "after": "QVFI"},
                    # Meta's own address: never called with our token.
                    "next": "https://graph.facebook.com/v19.0/"
                    f"{WABA}/message_templates?after=QVFI",
                },
            },
            {
                "data": [
                    {
                        "id": "333",
                        "name": "ulasan",
                        "language": "en_US",
                        "status": "PENDING",
                        "category": "UTILITY",
                        "components": [{"type": "BODY", "text": "How was {{1}}?"}],
                    }
                ],
                "paging": {"cursors": {"before": "QVFJ", "after": "QVFK"}},
            },
        ]
        synced_at = datetime(2026, 12, 1, 8, 30)
        with freeze_time(synced_at):
            action = self.gateway.action_sync_whatsapp_templates()
        first, second = self.requests_to(TEMPLATES_PATH)
        self.assertEqual(len(self.stub.requests), 2, "the pages, nothing else")
        self.assertEqual(first["method"], "GET")
        self.assertEqual(first["headers"]["authorization"], "Bearer meta-token")
        self.assertNotIn("after", first["query"])
        self.assertEqual(second["query"]["after"], "QVFI")
        Template = self.env["crm.alert.whatsapp.template"]
        templates = Template.search(action["domain"])
        self.assertEqual(
            sorted(templates.mapped("name")),
            ["pesanan_dikirim", "promo_desember", "ulasan"],
        )
        self.assertIn(local, templates, "the local draft is updated, not doubled")
        self.assertEqual(local.status, "approved")
        self.assertEqual(local.body, "Halo {{1}}, pesanan {{2}} dikirim.")
        self.assertEqual(local.meta_template_id, "111")
        self.assertEqual(local.synced_at, synced_at)
        self.assertEqual(local.variable_ids.mapped("name"), ["{{1}}", "{{2}}"])
        promo = templates.filtered(lambda t: t.name == "promo_desember")
        self.assertEqual(
            (promo.status, promo.category, promo.rejected_reason),
            ("rejected", "marketing", "INVALID_FORMAT"),
        )
        review = templates.filtered(lambda t: t.name == "ulasan")
        self.assertEqual((review.status, review.lang_code), ("pending", "en_US"))

    def test_sync_from_the_template_list(self):
        """The list's Sync from Meta, nothing selected: the company's Meta
        gateways."""
        type(self).template_pages = [
            {
                "data": [
                    {
                        "id": "444",
                        "name": "ulasan_produk",
                        "language": "id",
                        "status": "APPROVED",
                        "category": "MARKETING",
                        "components": [{"type": "BODY", "text": "Halo {{1}}!"}],
                    }
                ]
            }
        ]
        Template = self.env["crm.alert.whatsapp.template"]
        action = Template.browse().action_sync_from_meta()
        [template] = Template.search(action["domain"])
        self.assertEqual(
            (template.name, template.status), ("ulasan_produk", "approved")
        )
        self.assertEqual(template.gateway_id, self.gateway)
        self.assertEqual(len(self.requests_to(TEMPLATES_PATH)), 1, "one page")
        type(self).template_pages = [{"data": []}]
        Template.browse().action_sync_from_meta()
        self.assertEqual(template.status, "disabled", "deleted at Meta: not sent")

    def test_sync_refused_says_why_without_the_token(self):
        type(self).template_pages = []
        self.gateway.meta_access_token = "expired-token-xyz"

        def refuse(request):
            return (
                401,
                {},
                {
                    "error": {
                        "message": "Error validating access token expired-token-xyz",
                        "code": 190,
                    }
                },
                0,
            )

        stub = HttpStub(refuse).start()
        self.addCleanup(stub.stop)
        self.gateway.base_url = stub.url
        with self.assertRaisesRegex(Exception, "could not be synced") as caught:
            self.gateway.action_sync_whatsapp_templates()
        self.assertIn("Error validating access token", str(caught.exception))
        self.assertNotIn("expired-token-xyz", str(caught.exception))


@tagged("post_install", "-at_install", "crm_alert")
class TestFallback(ChannelsCase):
    def test_no_whatsapp_consent_falls_back_to_sms(self):
        self.company.crm_alert_order_created_fallback = True
        self.customer.crm_alert_whatsapp_opt_out = True
        order = self.confirmed()
        whatsapp = self.messages("order_created", order)
        self.dispatch()
        self.assertEqual(whatsapp.state, "skipped")
        sms = self.env["crm.alert.message"].search(
            [("fallback_of_id", "=", whatsapp.id)]
        )
        self.assertEqual(sms.channel, "sms")
        self.dispatch()
        self.assertEqual(sms.state, "sent")
        self.assertFalse(self.requests_to("/messages"), "no WhatsApp at all")
        [request] = self.requests_to("/api/sms")
        self.assertEqual(request["json"]["to"], "+6282112345678")
        self.assertIn(
            f"thank you for your order {order.name}", request["json"]["message"]
        )
        notes = self.notes(order)
        self.assertTrue(
            any(
                "WhatsApp message to Budi Santoso not sent" in body
                and "opted out of WhatsApp" in body
                and "Sending it by SMS instead." in body
                for body in notes
            ),
            notes,
        )
        self.assertTrue(any("SMS message sent to +6282112345678" in b for b in notes))

    def test_no_usable_number_falls_back_to_email(self):
        sink = self.email_account(crm_alert_order_created_fallback=True)
        self.customer.mobile = "12"
        order = self.confirmed()
        whatsapp = self.messages("order_created", order)
        with real_smtp():
            self.dispatch()
        self.assertEqual(whatsapp.state, "failed")
        self.assertIn("Invalid number 12", whatsapp.error)
        sms = self.env["crm.alert.message"].search(
            [("fallback_of_id", "=", whatsapp.id)]
        )
        self.assertEqual(sms.channel, "sms", "WhatsApp → SMS first")
        with real_smtp():
            self.dispatch()
        self.assertEqual(sms.state, "failed", "the same number cannot be texted")
        email = self.env["crm.alert.message"].search([("fallback_of_id", "=", sms.id)])
        self.assertEqual(email.channel, "email")
        with real_smtp():
            self.dispatch()
        self.assertEqual(email.state, "sent")
        [mail] = sink.received_by("budi@example.com")
        self.assertIn(order.name, mail["message"]["Subject"])
        self.assertFalse(self.stub.requests, "no number: no provider called")

    def test_without_fallback_a_failure_stays_one(self):
        self.customer.crm_alert_whatsapp_opt_out = True
        order = self.confirmed()
        self.dispatch()
        whatsapp = self.messages("order_created", order)
        self.assertEqual(whatsapp.state, "skipped")
        self.assertFalse(
            self.env["crm.alert.message"].search([("fallback_of_id", "=", whatsapp.id)])
        )
        self.dispatch()
        self.assertFalse(self.stub.requests)
        [note] = [body for body in self.notes(order) if "not sent" in body]
        self.assertNotIn("instead", note)

    def test_sms_gateway_missing_goes_on_to_email(self):
        self.sms_gateway.active = False
        sink = self.email_account(crm_alert_order_created_fallback=True)
        self.customer.crm_alert_whatsapp_opt_out = True
        order = self.confirmed()
        with real_smtp():
            self.dispatch()
            self.dispatch()
        whatsapp = self.messages("order_created", order).filtered(
            lambda m: m.channel == "whatsapp"
        )
        self.assertEqual(whatsapp.state, "skipped")
        email = self.env["crm.alert.message"].search(
            [("fallback_of_id", "=", whatsapp.id)]
        )
        self.assertEqual((email.channel, email.state), ("email", "sent"))
        self.assertEqual(len(sink.received_by("budi@example.com")), 1)


@tagged("post_install", "-at_install", "crm_alert")
class TestRefusedByReceipt(MetaReceipts, ChannelsCase, HttpCase):
    def test_window_closed_131047_fails_readably_and_falls_back(self):
        self.company.crm_alert_order_created_fallback = True
        order = self.confirmed()
        whatsapp = self.messages("order_created", order)
        self.dispatch()
        self.assertEqual(whatsapp.state, "sent")
        response = self.meta_receipt(
            [
                {
                    "id": whatsapp.provider_message_id,
                    "status": "failed",
                    "errors": [{"code": 131047, "title": "Re-engagement message"}],
                }
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(whatsapp.state, "failed")
        self.assertIn(
            "More than 24 hours have passed since the customer last wrote",
            whatsapp.error,
        )
        self.assertIn("131047", whatsapp.error)
        sms = self.env["crm.alert.message"].search(
            [("fallback_of_id", "=", whatsapp.id)]
        )
        self.assertEqual(sms.channel, "sms")
        self.dispatch()
        self.assertEqual(sms.state, "sent")
        self.assertEqual(len(self.requests_to("/api/sms")), 1)


@tagged("post_install", "-at_install", "crm_alert")
class TestQuietHours(ChannelsCase):
    def setUp(self):
        super().setUp()
        self.company.write(
            {
                "crm_alert_quiet_hours": True,
                "crm_alert_quiet_start": 21.0,
                "crm_alert_quiet_end": 8.0,
            }
        )

    def test_message_due_at_night_waits_for_the_morning(self):
        # 15:00 UTC is 22:00 in Jakarta: quiet.
        night = datetime(2026, 12, 1, 15, 0)
        order = self.confirmed()
        [message] = self.messages("order_created", order)
        self.dispatch(night)
        self.assertFalse(self.stub.requests)
        self.assertEqual(message.state, "queued", "deferred, not dropped")
        self.assertEqual(message.attempts, 0, "waiting is no attempt")
        morning = datetime(2026, 12, 2, 1, 0)  # 08:00 in Jakarta
        self.assertEqual(message.next_try, morning)
        dispatcher = self.env.ref("crm_alert_automation.ir_cron_crm_alert_dispatch")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", dispatcher.id), ("call_at", "=", morning)]
            ),
            "the dispatcher is woken in the morning",
        )
        self.dispatch(datetime(2026, 12, 2, 0, 59))
        self.assertEqual(message.state, "queued")
        self.dispatch(morning)
        self.assertEqual(message.state, "sent")
        self.assertEqual(len(self.requests_to("/messages")), 1)

    def test_customer_timezone_decides(self):
        # 15:00 UTC is 16:00 in Warsaw: not quiet for this customer.
        self.customer.tz = "Europe/Warsaw"
        order = self.confirmed()
        self.dispatch(datetime(2026, 12, 1, 15, 0))
        self.assertEqual(self.messages("order_created", order).state, "sent")

    def test_after_midnight_and_daytime_windows(self):
        company = self.company
        jakarta = "Asia/Jakarta"
        # 02:30 in Jakarta (19:30 UTC the day before): until 08:00 that day.
        self.assertEqual(
            company._crm_alert_quiet_until(datetime(2026, 12, 1, 19, 30), jakarta),
            datetime(2026, 12, 2, 1, 0),
        )
        # 08:00 sharp in Jakarta: no longer quiet.
        self.assertIsNone(
            company._crm_alert_quiet_until(datetime(2026, 12, 2, 1, 0), jakarta)
        )
        company.write({"crm_alert_quiet_start": 12.0, "crm_alert_quiet_end": 13.0})
        self.assertEqual(
            company._crm_alert_quiet_until(datetime(2026, 12, 1, 5, 30), jakarta),
            datetime(2026, 12, 1, 6, 0),
        )
        company.crm_alert_quiet_hours = False
        self.assertIsNone(
            company._crm_alert_quiet_until(datetime(2026, 12, 1, 5, 30), jakarta)
        )

    def test_reminders_to_users_are_not_customer_messages(self):
        """Quiet hours hold customer messages only."""
        message = self.env["crm.alert.message"]._enqueue(
            [
                {
                    "kind": "action",
                    "channel": "whatsapp",
                    "partner": self.customer,
                    "body_text": "Internal automation",
                    "company_id": self.company.id,
                }
            ]
        )
        self.dispatch(datetime(2026, 12, 1, 15, 0))
        self.assertEqual(message.state, "sent")

    def test_quiet_hours_must_be_times_of_day(self):
        with self.assertRaisesRegex(Exception, "Quiet From must be a time of day"):
            self.company.crm_alert_quiet_start = 25.0
