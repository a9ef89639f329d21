# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer messages along the sales order, through the real flow:
contacts, quotations, invoices and payments, deliveries, delivery receipts;
sent to a local server speaking Meta's WhatsApp Cloud API and to a real
SMTP server on loopback."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import EVENT_NAMES
from .common import HttpStub, MetaReceipts, SmtpSink, real_smtp
from .isolation import DemoIsolatedCase

NOW = datetime(2026, 12, 1, 9, 0)


class OrderMessagesCase(DemoIsolatedCase):
    """A shop in Jakarta with every customer message on, by WhatsApp
    through a local Meta Cloud API server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stub = HttpStub(cls._answer).start()
        cls.addClassCleanup(cls.stub.stop)
        indonesia = cls.env.ref("base.id")
        cls.company = cls.env.ref("base.main_company")
        # Odoo's own delivery SMS (stock_sms) would ask to confirm it first.
        cls.company.write(
            {"country_id": indonesia.id, "stock_move_sms_validation": False}
        )
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=cls.company.ids,
                tracking_disable=False,
            )
        )
        cls.gateway = cls.env["crm.alert.gateway"].create(
            {
                "name": "Meta",
                "provider": "meta",
                "company_id": cls.company.id,
                "base_url": cls.stub.url,
                "meta_phone_number_id": "1122334455",
                "meta_access_token": "meta-token",
                "meta_app_secret": "meta-app-secret",
                "meta_verify_token": "verify-me",
                "use_for_sms": False,
                "use_for_whatsapp": True,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Budi Santoso",
                "mobile": "0821-1234-5678",
                "email": "budi@example.com",
                "country_id": indonesia.id,
                "tz": "Asia/Jakarta",
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Batik Shirt",
                "type": "consu",
                "is_storable": True,
                "list_price": 150000,
                "invoice_policy": "order",
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 100
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "JNE",
                "delivery_type": "fixed",
                "fixed_price": 10000,
                "tracking_url": "https://jne.example.com/track?awb=<shipmenttrackingnumber>",
                "product_id": cls.env["product.product"]
                .create({"name": "JNE shipping", "type": "service"})
                .id,
            }
        )
        values = {"crm_alert_order_received_days": 3}
        for event in EVENT_NAMES:
            values[f"crm_alert_{event}_enabled"] = True
            values[f"crm_alert_{event}_channel"] = "whatsapp"
        cls.company.write(values)

    @classmethod
    def _answer(cls, request):
        return 200, {}, {"messages": [{"id": f"wamid.{len(cls.stub.requests)}"}]}, 0

    def setUp(self):
        super().setUp()
        self.clock_at(NOW - timedelta(minutes=1))
        self.stub.requests.clear()

    # ------------------------------------------------------------------
    def dispatch(self, at=NOW):
        with freeze_time(at):
            self.env["crm.alert.message"]._cron_dispatch()

    def sent_texts(self):
        return [
            (request["json"]["to"], request["json"]["text"]["body"])
            for request in self.stub.requests
        ]

    def messages(self, event, record):
        self.env.flush_all()
        return self.env["crm.alert.message"].search(
            [("dedupe_key", "=like", f"{event}:{record._name}:{record.id}%")]
        )

    def order(self, quantity=1, **values):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "carrier_id": self.carrier.id,
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.product.id, "product_uom_qty": quantity},
                    )
                ],
                **values,
            }
        )

    def email_account(self, **settings):
        """A real SMTP server on loopback as the company's alerts account,
        with further ``settings``; returns the server's sink."""
        sink = SmtpSink().start()
        self.addCleanup(sink.stop)
        server = self.env["ir.mail_server"].create(
            {"name": "alerts", "smtp_host": "127.0.0.1", "smtp_port": sink.port}
        )
        self.company.write(
            {
                "crm_alert_mail_server_id": server.id,
                "crm_alert_email_from": "toko@tokojaya.example.com",
                **settings,
            }
        )
        return sink

    def confirmed(self, **values):
        order = self.order(**values)
        order.action_confirm()
        return order

    def validate(self, picking, tracking=None, quantity=None):
        if tracking:
            picking.carrier_tracking_ref = tracking
        if quantity is not None:
            picking.move_ids.quantity = quantity
        result = picking.button_validate()
        if isinstance(result, dict) and result.get("res_model"):
            wizard = (
                self.env[result["res_model"]]
                .with_context(**result["context"])
                .create({})
            )
            wizard.process()
        return picking


@tagged("post_install", "-at_install", "crm_alert")
class TestOrderMessages(OrderMessagesCase):
    def test_new_contact_is_welcomed_by_whatsapp(self):
        siti = self.env["res.partner"].create(
            {
                "name": "Siti Rahma",
                "mobile": "0813 9876 5432",
                "country_id": self.env.ref("base.id").id,
            }
        )
        [message] = self.messages("welcome", siti)
        self.assertFalse(self.stub.requests, "saving the contact only queues")
        self.dispatch()
        self.assertEqual(message.state, "sent")
        [(number, text)] = self.sent_texts()
        self.assertEqual(number, "6281398765432", "WhatsApp form: 62…, no + or 0")
        self.assertIn("Hello Siti Rahma, welcome to", text)
        self.assertIn(self.company.name, text)

    def test_no_welcome_for_users_imports_or_contacts_without_address(self):
        user = new_test_user(
            self.env, login="kasir", email="kasir@tokojaya.example.com"
        )
        self.assertFalse(self.messages("welcome", user.partner_id))
        nobody = self.env["res.partner"].create({"name": "No contact details"})
        self.assertFalse(self.messages("welcome", nobody))
        Partner = self.env["res.partner"].with_context(import_file=True)
        imported = Partner.create({"name": "Imported", "mobile": "+6281311112222"})
        self.assertFalse(self.messages("welcome", imported), "imports: only if asked")
        self.company.crm_alert_welcome_on_import = True
        asked = Partner.create({"name": "Imported 2", "mobile": "+6281311113333"})
        self.assertEqual(len(self.messages("welcome", asked)), 1)

    def test_welcome_off_sends_nothing(self):
        self.company.crm_alert_welcome_enabled = False
        rule = self.env.ref("crm_alert_automation.automation_welcome")
        self.assertFalse(rule.active, "off in every company: the rule is off")
        partner = self.env["res.partner"].create(
            {"name": "Quiet", "mobile": "+6281311114444"}
        )
        self.assertFalse(self.messages("welcome", partner))
        # Switched on again: the rule runs again (this also restores the
        # registry's automation hooks, which a rollback does not).
        self.company.crm_alert_welcome_enabled = True
        self.assertTrue(rule.active)
        again = self.env["res.partner"].create(
            {"name": "Loud", "mobile": "+6281311115555"}
        )
        self.assertEqual(len(self.messages("welcome", again)), 1)

    def test_confirmed_order_is_being_processed_once(self):
        order = self.order()
        self.assertFalse(self.messages("order_created", order), "a quotation: not yet")
        order.action_confirm()
        [message] = self.messages("order_created", order)
        self.assertFalse(self.stub.requests, "Confirm only queues")
        self.dispatch()
        self.assertEqual(message.state, "sent")
        [(number, text)] = self.sent_texts()
        self.assertEqual(number, "6282112345678")
        self.assertIn(f"thank you for your order {order.name}", text)
        self.assertIn("is being processed", text)
        # The order's chatter and its smart button show the message.
        notes = order.message_ids.filtered(lambda m: "message sent to" in m.body)
        self.assertEqual(len(notes), 1)
        self.assertIn("WhatsApp message sent to +6282112345678", notes.body)
        self.assertIn("is being processed", notes.body)
        self.assertEqual(order.crm_alert_message_count, 1)
        action = order.action_view_crm_alert_messages()
        self.assertEqual(
            self.env["crm.alert.message"].search(action["domain"]), message
        )
        # Cancelled and confirmed again while the first is live: no second.
        order.write({"state": "draft"})
        order.action_confirm()
        self.assertEqual(len(self.messages("order_created", order)), 1)

    def test_settings_and_templates_count_at_once(self):
        """Each worker remembers the company's message settings: a change,
        or a template deleted, counts for the very next order."""
        shipped = self.env.ref("crm_alert_automation.sms_template_order_created")
        [message] = self.messages("order_created", self.confirmed())
        self.assertEqual(message.sms_template_id, shipped)
        own = self.env["sms.template"].create(
            {
                "name": "Ours",
                "model_id": self.env["ir.model"]._get_id("sale.order"),
                "body": "Pesanan {{ object.name }} sedang diproses.",
            }
        )
        self.company.crm_alert_order_created_sms_template_id = own
        [message] = self.messages("order_created", self.confirmed())
        self.assertEqual(message.sms_template_id, own, "its own template")
        own.unlink()
        [message] = self.messages("order_created", self.confirmed())
        self.assertEqual(message.sms_template_id, shipped, "deleted: the shipped one")
        self.company.crm_alert_order_created_enabled = False
        self.assertFalse(self.messages("order_created", self.confirmed()), "off")

    def test_order_created_option_on_quotation_saved(self):
        self.company.crm_alert_order_created_on_quotation = True
        order = self.order()
        self.assertEqual(len(self.messages("order_created", order)), 1)
        order.action_confirm()
        self.assertEqual(len(self.messages("order_created", order)), 1)

    def test_cancelled_order_pending_messages_cancelled(self):
        order = self.confirmed(commitment_date=datetime(2026, 12, 5, 5, 0))
        created = self.messages("order_created", order)
        followup = self.messages("order_followup", order)
        self.assertEqual((created.state, followup.state), ("queued", "queued"))
        order._action_cancel()
        self.assertEqual((created.state, followup.state), ("cancelled", "cancelled"))
        self.assertEqual(created.error, "The order was cancelled.")
        self.dispatch(datetime(2026, 12, 6))
        self.assertFalse(self.stub.requests)

    # ------------------------------------------------------------------
    def pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()

    def test_paid_order_confirmed_once(self):
        order = self.confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertFalse(self.messages("order_paid", order), "posted is not paid")
        self.pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        [message] = self.messages("order_paid", order)
        # Odoo calls the paid hook again when an 'in payment' invoice is
        # matched with the bank statement.
        invoice._invoice_paid_hook()
        self.assertEqual(self.messages("order_paid", order), message)
        self.dispatch()
        texts = [text for _number, text in self.sent_texts()]
        self.assertTrue(
            any(f"received your payment for order {order.name}" in t for t in texts)
        )

    def test_reversed_invoice_is_no_payment(self):
        order = self.confirmed()
        invoice = order._create_invoices()
        invoice.action_post()
        invoice._reverse_moves(cancel=True)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(self.messages("order_paid", order))
        self.assertFalse(order.crm_alert_paid_at)

    def test_partly_paid_order_is_not_paid(self):
        order = self.confirmed(quantity=2)
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 1000})._create_payments()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(self.messages("order_paid", order))

    # ------------------------------------------------------------------
    def test_validate_without_tracking_number_refused(self):
        picking = self.confirmed().picking_ids
        with self.assertRaisesRegex(UserError, "Tracking Reference is required"):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")

    def test_two_deliveries_at_once_refused(self):
        first, second = self.confirmed(), self.confirmed()
        pickings = first.picking_ids | second.picking_ids
        pickings[0].carrier_tracking_ref = "JNE1"
        pickings[1].carrier_tracking_ref = "JNE2"
        with self.assertRaisesRegex(UserError, "one at a time"):
            pickings.button_validate()
        self.assertEqual(set(pickings.mapped("state")), {"assigned"})

    def test_shipped_message_with_carrier_tracking_number_and_link(self):
        order = self.confirmed()
        self.dispatch()  # the order-created message
        self.stub.requests.clear()
        picking = self.validate(order.picking_ids, tracking="JNE0123456789")
        self.assertEqual(picking.state, "done")
        [message] = self.messages("order_shipped", picking)
        self.assertFalse(self.stub.requests, "Validate only queues")
        self.assertEqual((message.res_model, message.res_id), ("sale.order", order.id))
        self.dispatch()
        self.assertEqual(message.state, "sent")
        [(number, text)] = self.sent_texts()
        self.assertEqual(number, "6282112345678")
        self.assertIn(f"your order {order.name} has been shipped with JNE", text)
        self.assertIn("Tracking number: JNE0123456789", text)
        self.assertIn("https://jne.example.com/track?awb=JNE0123456789", text)
        self.assertIn(
            message,
            self.env["crm.alert.message"].search(
                order.action_view_crm_alert_messages()["domain"]
            ),
        )
        self.assertTrue(
            order.message_ids.filtered(lambda m: "JNE0123456789" in (m.body or ""))
        )
        # Correcting the tracking number later sends nothing again.
        picking.carrier_tracking_ref = "JNE0123456780"
        self.assertEqual(self.messages("order_shipped", picking), message)

    def test_partial_deliveries_each_with_their_own_number(self):
        order = self.confirmed(quantity=2)
        first = self.validate(order.picking_ids, tracking="JNE-A-111", quantity=1)
        backorder = order.picking_ids - first
        self.assertEqual(len(backorder), 1)
        self.validate(backorder, tracking="JNE-B-222")
        self.assertEqual(len(self.messages("order_shipped", first)), 1)
        self.assertEqual(len(self.messages("order_shipped", backorder)), 1)
        self.dispatch()
        shipped = [text for _n, text in self.sent_texts() if "shipped" in text]
        self.assertEqual(len(shipped), 2)
        self.assertIn("JNE-A-111", shipped[0] + shipped[1])
        self.assertIn("JNE-B-222", shipped[0] + shipped[1])

    def test_gate_off_with_the_feature(self):
        self.company.crm_alert_order_shipped_enabled = False
        first, second = self.confirmed(), self.confirmed()
        pickings = first.picking_ids | second.picking_ids
        pickings.button_validate()
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        self.assertFalse(self.messages("order_shipped", pickings[0]))
        # Switched on again (this also restores the registry's automation
        # hooks, which a rollback does not).
        self.company.crm_alert_order_shipped_enabled = True
        third = self.confirmed().picking_ids
        with self.assertRaisesRegex(UserError, "Tracking Reference"):
            third.button_validate()

    def test_shipped_by_email_over_real_smtp(self):
        sink = self.email_account(crm_alert_order_shipped_channel="email")
        order = self.confirmed()
        picking = self.validate(order.picking_ids, tracking="JNE777")
        with real_smtp():
            self.dispatch()
        self.assertEqual(self.messages("order_shipped", picking).state, "sent")
        [mail] = sink.received_by("budi@example.com")
        self.assertEqual(
            mail["message"]["Subject"], f"Your order {order.name} has been shipped"
        )
        body = mail["message"].get_body(("html",)).get_content()
        self.assertIn("JNE777", body)
        self.assertIn("https://jne.example.com/track?awb=JNE777", body)

    # ------------------------------------------------------------------
    def test_followup_on_the_delivery_date_at_local_time(self):
        # 3 December in Jakarta (UTC+7); the follow-up at 10:00 local time.
        order = self.confirmed(commitment_date=datetime(2026, 12, 3, 5, 0))
        [message] = self.messages("order_followup", order)
        self.assertEqual(message.next_try, datetime(2026, 12, 3, 3, 0))
        self.dispatch(datetime(2026, 12, 3, 2, 59))
        self.assertEqual(message.state, "queued", "not before 10:00 in Jakarta")
        self.dispatch(datetime(2026, 12, 3, 3, 0))
        self.assertEqual(message.state, "sent")
        texts = [text for _n, text in self.sent_texts()]
        self.assertIn(f"has your order {order.name} arrived?", texts[-1])

    def test_followup_moves_with_the_date(self):
        order = self.confirmed(commitment_date=datetime(2026, 12, 3, 5, 0))
        old = self.messages("order_followup", order)
        order.commitment_date = datetime(2026, 12, 8, 5, 0)
        new = self.messages("order_followup", order) - old
        self.assertEqual(new.next_try, datetime(2026, 12, 8, 3, 0))
        self.dispatch(datetime(2026, 12, 3, 3, 0))
        self.assertEqual(old.state, "cancelled")
        self.assertIn("delivery date moved", old.error)
        self.assertFalse([t for _n, t in self.sent_texts() if "arrived" in t])
        self.dispatch(datetime(2026, 12, 8, 3, 0))
        self.assertEqual(new.state, "sent")

    def test_followup_hour_refused_outside_the_day(self):
        with self.assertRaisesRegex(ValidationError, "Delivery Follow-up Time"):
            self.company.crm_alert_order_followup_hour = 24.0

    def test_email_followup_reaches_the_customer_when_sent(self):
        """E-mail has no delivery receipts: sent is reached."""
        sink = self.email_account(
            crm_alert_order_followup_channel="email",
            crm_alert_order_received_channel="email",
        )
        order = self.confirmed(commitment_date=datetime(2026, 12, 3, 5, 0))
        with real_smtp():
            self.dispatch(datetime(2026, 12, 3, 3, 0))
        self.assertEqual(order.crm_alert_followup_reached_at, datetime(2026, 12, 3, 3))
        [received] = self.messages("order_received", order)
        self.assertEqual(received.next_try, datetime(2026, 12, 6, 3, 0))
        with real_smtp():
            self.dispatch(datetime(2026, 12, 6, 3, 0))
        self.assertEqual(received.state, "sent")
        subjects = [
            m["message"]["Subject"] for m in sink.received_by("budi@example.com")
        ]
        self.assertIn(f"How is your order {order.name}?", subjects)


@tagged("post_install", "-at_install", "crm_alert")
class TestOrderReceivedAfterReceipt(MetaReceipts, OrderMessagesCase, HttpCase):
    def test_received_n_days_after_the_delivered_receipt(self):
        order = self.confirmed(commitment_date=datetime(2026, 12, 3, 5, 0))
        followup = self.messages("order_followup", order)
        self.dispatch(datetime(2026, 12, 3, 3, 0))
        self.assertEqual(followup.state, "sent")
        self.assertFalse(
            self.messages("order_received", order),
            "WhatsApp has receipts: sent is not yet reached",
        )
        with freeze_time(datetime(2026, 12, 3, 4, 0)):
            response = self.meta_receipt(
                [{"id": followup.provider_message_id, "status": "delivered"}]
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(followup.state, "delivered")
        self.assertEqual(order.crm_alert_followup_reached_at, datetime(2026, 12, 3, 4))
        [received] = self.messages("order_received", order)
        self.assertEqual(received.next_try, datetime(2026, 12, 6, 4, 0))
        self.dispatch(datetime(2026, 12, 6, 3, 59))
        self.assertEqual(received.state, "queued")
        self.stub.requests.clear()
        self.dispatch(datetime(2026, 12, 6, 4, 0))
        self.assertEqual(received.state, "sent")
        [(_number, text)] = self.sent_texts()
        self.assertIn("Did the product give you what you hoped for?", text)
        # A read receipt after that changes nothing.
        self.meta_receipt([{"id": followup.provider_message_id, "status": "read"}])
        self.assertEqual(len(self.messages("order_received", order)), 1)


@tagged("post_install", "-at_install", "crm_alert")
class TestOrderMessageSettings(OrderMessagesCase):
    def settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def test_settings_page_shows_and_saves_each_message(self):
        self.company.write({"crm_alert_order_paid_enabled": False})
        settings = self.settings()
        self.assertFalse(settings.crm_alert_order_paid_enabled)
        shipped = self.env.ref("crm_alert_automation.sms_template_order_shipped")
        self.assertEqual(settings.crm_alert_order_shipped_sms_template_id, shipped)
        self.assertEqual(settings.crm_alert_order_followup_hour, 10.0)
        settings.write(
            {
                "crm_alert_order_paid_enabled": True,
                "crm_alert_order_paid_channel": "whatsapp",
                "crm_alert_order_followup_hour": 9.5,
                "crm_alert_order_received_days": 5,
            }
        )
        settings.execute()
        self.assertTrue(self.company.crm_alert_order_paid_enabled)
        self.assertEqual(self.company.crm_alert_order_followup_hour, 9.5)
        self.assertEqual(self.company.crm_alert_order_received_days, 5)
        self.assertTrue(
            self.env.ref("crm_alert_automation.automation_order_paid").active
        )

    def test_settings_refuse_a_channel_without_its_gateway(self):
        settings = self.settings()
        settings.crm_alert_order_paid_channel = "sms"
        with self.assertRaisesRegex(
            ValidationError, "Order Paid Channel: no active SMS gateway"
        ):
            settings.execute()

    def test_settings_refuse_email_without_the_alerts_account(self):
        self.company.sudo().crm_alert_mail_server_id = False
        with self.assertRaisesRegex(ValidationError, "Order Created Channel E-mail"):
            self.company.crm_alert_order_created_channel = "email"

    def test_settings_refuse_a_template_of_another_record(self):
        with self.assertRaisesRegex(ValidationError, "another kind of record"):
            self.company.crm_alert_order_paid_sms_template_id = self.env.ref(
                "crm_alert_automation.sms_template_order_shipped"
            )
