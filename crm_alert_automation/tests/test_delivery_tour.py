# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "crm_alert")
class TestDeliveryTour(HttpCase):
    def test_warehouse_user_validates_one_delivery_at_a_time(self):
        company = self.env.ref("base.main_company")
        company.stock_move_sms_validation = False
        self.env["crm.alert.gateway"].create(
            {
                "name": "Meta",
                "provider": "meta",
                "company_id": company.id,
                "base_url": "http://127.0.0.1:9",
                "meta_phone_number_id": "1122334455",
                "meta_access_token": "meta-token",
                "use_for_sms": False,
                "use_for_whatsapp": True,
            }
        )
        company.write(
            {
                "crm_alert_order_shipped_enabled": True,
                "crm_alert_order_shipped_channel": "whatsapp",
            }
        )
        product = self.env["product.product"].create(
            {"name": "Batik Shirt", "type": "consu", "is_storable": True}
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        self.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 10
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.env["res.partner"]
                    .create({"name": name, "mobile": "+6282112345678"})
                    .id,
                    "order_line": [(0, 0, {"product_id": product.id})],
                }
                for name in ("Tour First", "Tour Customer A", "Tour Customer B")
            ]
        )
        orders.action_confirm()
        first, second, third = (order.picking_ids for order in orders)
        new_test_user(
            self.env,
            login="gudang",
            groups="base.group_user,stock.group_stock_user",
            company_id=company.id,
        )
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{first.id}",
            "crm_alert_delivery_tour",
            login="gudang",
        )
        self.assertEqual(first.state, "done")
        self.assertEqual(first.carrier_tracking_ref, "JNE-TOUR-0001")
        self.assertEqual((second.state, third.state), ("assigned", "assigned"))
        message = self.env["crm.alert.message"].search(
            [("dedupe_key", "=", f"order_shipped:stock.picking:{first.id}")]
        )
        self.assertEqual(message.state, "queued")
