#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order messages benchmark: the cost of the six customer messages on the
sales flow itself.

On one database (``crm_alert_bench_orders``, no demo data, the addon
installed), N quotations for customers with a mobile number, a storable
product in stock and a fixed-price carrier: the timed work is what a shop
does, one click at a time — **confirm** each of the N orders, then
**validate** each of their N deliveries (with its tracking number), each
click in its own transaction as the web client's request is (its commit
counted). Each variant runs on its own copy of the database (``createdb
--template``), in its own Odoo process, in the same run (the machine's load
hits them alike; the ratios are what to read):

- ``off``: the addon's six order messages switched off (their automation
  rules inactive: what a shop without them pays);
- ``ours``: the six switched on, WhatsApp, queued in the outbox (Order
  Created and Delivery Follow-up at Confirm, Order Shipped at Validate);
- ``odoo``: the six built as plain Odoo automation rules with Odoo's own
  *Send SMS* action (mass mode: the SMS are queued as ``sms.sms``), the
  addon's own off.

Queries are counted per order (confirm) and per delivery (validate), at N
and at N/5, to show they do not grow with the number of orders.

    python3 bench/bench_order_messages.py [--orders N] [--reuse] [--repeat R]
"""

import argparse
import ast
import importlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

from benchlib.odoo_env import (
    ROOT,
    build_database,
    committed,
    log,
    odoo_addons_dirs,
    open_registry,
    unused_local_port,
    vacuum,
)

import odoo
from odoo import SUPERUSER_ID, api

DATABASE = "crm_alert_bench_orders"
# the same shop without the addon: what it depends on, nothing more
PLAIN_DATABASE = "crm_alert_bench_orders_plain"
MANIFEST = ROOT / "crm_alert_automation" / "__manifest__.py"
CUSTOMERS = 200


def build(orders):
    build_shop(DATABASE, ["crm_alert_automation"], orders)
    depends = ast.literal_eval(MANIFEST.read_text())["depends"]
    build_shop(PLAIN_DATABASE, depends, orders)


def build_shop(database, modules, orders):
    build_database(database, odoo_addons_dirs(), modules)
    registry = open_registry(database, odoo_addons_dirs(), unused_local_port())
    with committed(registry) as env:
        company = env.company
        indonesia = env.ref("base.id")
        company.write({"country_id": indonesia.id, "stock_move_sms_validation": False})
        company.partner_id.tz = "Asia/Jakarta"
        if "crm.alert.gateway" in env:
            create_gateway(env)
        create_orders(env, orders)
    vacuum(database, analyze=True)
    odoo.sql_db.close_all()  # the variants copy the database


def create_gateway(env):
    env["crm.alert.gateway"].create(
        {
            "name": "Meta",
            "provider": "meta",
            "company_id": env.company.id,
            "base_url": "http://127.0.0.1:9",
            "meta_phone_number_id": "1122334455",
            "meta_access_token": "bench-token",
            "use_for_sms": True,
            "use_for_whatsapp": True,
        }
    )


def create_orders(env, orders):
    company = env.company
    indonesia = env.ref("base.id")
    log(f"creating {CUSTOMERS} customers, stock and carrier...")
    Partner = env["res.partner"].with_context(tracking_disable=True)
    customers = Partner.create(
        [
            {
                "name": f"Pelanggan {i}",
                "mobile": f"+62821{i:08d}",
                "country_id": indonesia.id,
                "tz": "Asia/Jakarta",
            }
            for i in range(CUSTOMERS)
        ]
    )
    product = env["product.product"].create(
        {
            "name": "Batik Shirt",
            "type": "consu",
            "is_storable": True,
            "list_price": 150000,
            "invoice_policy": "order",
        }
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    env["stock.quant"]._update_available_quantity(
        product, warehouse.lot_stock_id, 10 * orders
    )
    carrier = env["delivery.carrier"].create(
        {
            "name": "JNE",
            "delivery_type": "fixed",
            "fixed_price": 10000,
            "tracking_url": "https://jne.example.com/t?awb=<shipmenttrackingnumber>",
            "product_id": env["product.product"]
            .create({"name": "JNE shipping", "type": "service"})
            .id,
        }
    )
    log(f"creating {orders} quotations...")
    Order = env["sale.order"].with_context(tracking_disable=True)
    delivery = datetime(2026, 12, 10, 5, 0)
    for start in range(0, orders, 500):
        Order.create(
            [
                {
                    "partner_id": customers[i % CUSTOMERS].id,
                    "carrier_id": carrier.id,
                    "commitment_date": delivery + timedelta(days=i % 7),
                    "order_line": [
                        (0, 0, {"product_id": product.id, "product_uom_qty": 1})
                    ],
                }
                for i in range(start, min(orders, start + 500))
            ]
        )


def switch_ours(env, on):
    values = {}
    # the addon's own list (importable once Odoo's addons path is set)
    tools = importlib.import_module("odoo.addons.crm_alert_automation.tools")
    for event in tools.EVENT_NAMES:
        values[f"crm_alert_{event}_enabled"] = on
        values[f"crm_alert_{event}_channel"] = "whatsapp"
    env.company.write(values)


def odoo_rules(env):
    """The six messages as plain Odoo: automation rules with Odoo's own
    *Send SMS* action, its templates written for each model."""
    Model = env["ir.model"]

    def template(model, body):
        return env["sms.template"].create(
            {"name": body[:30], "model_id": Model._get_id(model), "body": body}
        )

    def field(model, name):
        return env["ir.model.fields"]._get(model, name)

    specs = [
        (
            "res.partner",
            {"trigger": "on_create"},
            "Hello {{ object.name }}, welcome!",
        ),
        (
            "sale.order",
            {
                "trigger": "on_create_or_write",
                "trigger_field_ids": [(6, 0, [field("sale.order", "state").id])],
                "filter_domain": "[('state', '=', 'sale')]",
            },
            "Your order {{ object.name }} is being processed.",
        ),
        (
            "account.move",
            {
                "trigger": "on_create_or_write",
                "trigger_field_ids": [
                    (6, 0, [field("account.move", "payment_state").id])
                ],
                "filter_domain": "[('payment_state', 'in', ['paid', 'in_payment']),"
                " ('move_type', '=', 'out_invoice')]",
            },
            "We received your payment for {{ object.name }}.",
        ),
        (
            "stock.picking",
            {
                "trigger": "on_create_or_write",
                "trigger_field_ids": [(6, 0, [field("stock.picking", "state").id])],
                "filter_domain": "[('state', '=', 'done'),"
                " ('picking_type_code', '=', 'outgoing')]",
            },
            "Order {{ object.origin }} shipped with {{ object.carrier_id.name }}: "
            "{{ object.carrier_tracking_ref }}",
        ),
        (
            "sale.order",
            {
                "trigger": "on_time",
                "trg_date_id": field("sale.order", "commitment_date").id,
                "trg_date_range": 0,
                "trg_date_range_type": "hour",
                "filter_domain": "[('state', '=', 'sale')]",
            },
            "Has your order {{ object.name }} arrived?",
        ),
        (
            "sale.order",
            {
                "trigger": "on_time",
                "trg_date_id": field("sale.order", "commitment_date").id,
                "trg_date_range": 3,
                "trg_date_range_type": "day",
                "filter_domain": "[('state', '=', 'sale')]",
            },
            "How is your order {{ object.name }}?",
        ),
    ]
    for index, (model, trigger, body) in enumerate(specs):
        rule = env["base.automation"].create(
            {
                "name": f"Plain Odoo message {index + 1}",
                "model_id": Model._get_id(model),
                **trigger,
            }
        )
        env["ir.actions.server"].create(
            {
                "name": f"Plain Odoo SMS {index + 1}",
                "model_id": Model._get_id(model),
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "sms",
                "sms_method": "sms",
                "sms_template_id": template(model, body).id,
            }
        )


def clicks(registry, model, ids, click):
    """(seconds, queries) of clicking ``click`` on each record of ``ids``,
    each in its own transaction as the web client's request would be (the
    commit, with its pre-commit work, counts; opening the cursor does not)."""
    elapsed = queries = 0
    for record_id in ids:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            user = env.ref("base.user_admin")
            record = env[model].with_user(user).browse(record_id)
            before = cr.sql_log_count
            start = time.perf_counter()
            click(record)
            cr.commit()
            elapsed += time.perf_counter() - start
            queries += cr.sql_log_count - before
    return elapsed, queries


def outbox_size(env):
    """Messages queued: the addon's outbox and Odoo's SMS queue."""
    outbox = "crm_alert_message" if "crm.alert.message" in env else "sms_sms"
    env.cr.execute(
        f"SELECT (SELECT count(*) FROM {outbox}) + (SELECT count(*) FROM sms_sms)"
    )
    count = env.cr.fetchone()[0]
    return count if outbox != "sms_sms" else count // 2


def run_variant(registry, variant, count):
    """(confirm seconds, queries, validate seconds, queries, queued) for the
    first ``count`` quotations."""
    with committed(registry) as env:
        if variant in ("off", "ours"):
            switch_ours(env, variant == "ours")
        if variant == "odoo":
            odoo_rules(env)
        order_ids = (
            env["sale.order"]
            .search([("state", "=", "draft")], order="id", limit=count)
            .ids
        )
        queued_before = outbox_size(env)

    confirm_time, confirm_queries = clicks(
        registry, "sale.order", order_ids, lambda order: order.action_confirm()
    )
    with committed(registry) as env:
        pickings = env["sale.order"].browse(order_ids).picking_ids
        for index, picking in enumerate(pickings):
            picking.carrier_tracking_ref = f"JNE{index:09d}"
            picking.move_ids.quantity = picking.move_ids.product_uom_qty
        picking_ids = pickings.ids
    validate_time, validate_queries = clicks(
        registry,
        "stock.picking",
        picking_ids,
        lambda picking: picking.with_context(skip_sms=True).button_validate(),
    )
    with committed(registry) as env:
        pickings = env["stock.picking"].browse(picking_ids)
        return {
            "variant": variant,
            "orders": len(order_ids),
            "deliveries": len(pickings.filtered(lambda p: p.state == "done")),
            "confirm": confirm_time,
            "confirm_q": confirm_queries,
            "validate": validate_time,
            "validate_q": validate_queries,
            "queued": outbox_size(env) - queued_before,
        }


VARIANT_DATABASE = {
    "absent": PLAIN_DATABASE,
    "off": DATABASE,
    "ours": DATABASE,
    "odoo": PLAIN_DATABASE,
}
LABELS = {
    "absent": "addon absent (Odoo and what the addon depends on)",
    "off": "addon installed, order messages off",
    "ours": "ours: six messages on (WhatsApp, outbox)",
    "odoo": "plain Odoo, addon absent: six automation rules + Odoo's Send SMS",
}


def report(rows, reference):
    print(
        "| variant | orders | confirm | queries / order | validate | "
        f"queries / delivery | messages queued | time / {reference['variant']} |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = reference["confirm"] + reference["validate"]
    for row in rows:
        total = row["confirm"] + row["validate"]
        print(
            f"| {LABELS[row['variant']]} | {row['orders']:,} | "
            f"{row['confirm']:.2f} s | {row['confirm_q'] / row['orders']:.1f} | "
            f"{row['validate']:.2f} s | "
            f"{row['validate_q'] / max(row['deliveries'], 1):.1f} | "
            f"{row['queued']:,} | {total / base:.3f}x |"
        )


def run_in_process(variant, size):
    """One variant in a fresh Odoo process: switching automation rules on
    patches the registry's models in memory, which a rollback does not undo
    (the next variant would pay for the previous one's rules)."""
    output = subprocess.run(
        [sys.executable, __file__, "--one", variant, "--orders", str(size)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--variants", default="absent,off,ours,odoo", help="in this order"
    )
    parser.add_argument("--repeat", type=int, default=2, help="rounds at N")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        copy = f"{DATABASE}_{args.one}"
        template = VARIANT_DATABASE[args.one]
        subprocess.run(["dropdb", "--if-exists", "--force", copy], check=True)
        subprocess.run(["createdb", "--template", template, copy], check=True)
        try:
            registry = open_registry(copy, odoo_addons_dirs(), unused_local_port())
            print(json.dumps(run_variant(registry, args.one, args.orders)))
        finally:
            odoo.sql_db.close_all()
            subprocess.run(["dropdb", "--force", copy], check=True)
        return
    if not args.reuse:
        build(args.orders)
    print(f"load average before: {os.getloadavg()}")
    sizes = [max(args.orders // 5, 1), args.orders]
    for size in sizes:
        repeat = args.repeat if size == args.orders else 1
        runs = {variant: [] for variant in args.variants.split(",")}
        for _round in range(repeat):  # interleaved: the load hits all alike
            for variant, done in runs.items():
                log(f"{variant}: confirming and shipping {size} orders...")
                done.append(run_in_process(variant, size))
                log(f"  {done[-1]}")
        rows = [best(done) for done in runs.values()]
        reference = next(row for row in rows if row["variant"] in ("absent", "off"))
        print(
            f"\n### {size:,} orders confirmed, {size:,} deliveries validated "
            f"(best of {repeat})\n"
        )
        report(rows, reference)
        ours = next((row for row in rows if row["variant"] == "ours"), None)
        plain = next((row for row in rows if row["variant"] == "odoo"), None)
        if ours and plain:
            base = reference["confirm"] + reference["validate"]
            ours_total = ours["confirm"] + ours["validate"]
            odoo_total = plain["confirm"] + plain["validate"]
            print(
                f"\nours / plain Odoo: {ours_total / odoo_total:.3f}x the time; "
                f"over {reference['variant']}: "
                f"ours {(ours_total / base - 1) * 100:+.1f} %, "
                f"plain Odoo {(odoo_total / base - 1) * 100:+.1f} %"
            )
        print(f"load average after: {os.getloadavg()}", flush=True)


def best(runs):
    """The fastest confirm and validate of a variant's runs (the machine's
    load only ever adds time); queries are the same in every run."""
    row = dict(runs[0])
    row["confirm"] = min(run["confirm"] for run in runs)
    row["validate"] = min(run["validate"] for run in runs)
    return row


if __name__ == "__main__":
    main()
