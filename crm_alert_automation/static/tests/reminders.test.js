// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { describe, expect, test } from "@odoo/hoot";
import { click, queryFirst } from "@odoo/hoot-dom";
import { animationFrame } from "@odoo/hoot-mock";
import { defineModels, fields, models, mountView, onRpc } from "@web/../tests/web_test_helpers";

import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { findLineMissingContact } from "@crm_alert_automation/reminders/reminder_form_view";

describe.current.tags("desktop");

class Line extends models.Model {
    _name = "crm.activity.reminder";

    channel = fields.Selection({
        selection: [
            ["sms", "SMS"],
            ["email", "E-mail"],
        ],
    });
    phone = fields.Char();
    phone_options = fields.Json();

    _records = [
        {
            id: 1,
            channel: "sms",
            phone: "+6282112345678",
        },
        { id: 2, channel: "sms", phone: "" },
    ];
}

defineMailModels();
defineModels([Line]);

// The server sends a JSON field's value as an object; the mock server only
// stores strings, so the options are given in its answer.
const OPTIONS = {
    1: [
        { number: "+6282112345678", label: "Mobile - Budi" },
        { number: "+62215550101", label: "Phone - Budi" },
    ],
    2: [],
};
onRpc("web_read", ({ parent }) =>
    parent().map((line) => ({ ...line, phone_options: OPTIONS[line.id] }))
);

function holder(values) {
    const lines = (audience) =>
        (values[audience] || []).map((data) => ({ data }));
    return {
        data: {
            crm_alert_customer_reminder: values.customerOn ?? true,
            crm_alert_operator_reminder: values.operatorOn ?? true,
            crm_alert_customer_line_ids: { records: lines("customer") },
            crm_alert_operator_line_ids: { records: lines("operator") },
        },
    };
}

describe("crm_alert_reminders", () => {
    test("finds the first switched-on line lacking its channel's contact", () => {
        const record = holder({
            customer: [
                { channel: "sms", phone: "+62215550101" },
                { channel: "email", email: "" },
            ],
            operator: [{ channel: "sms", phone: "" }],
        });
        expect(findLineMissingContact(record)).toEqual({
            audience: "customer",
            index: 1,
            field: "email",
        });
    });

    test("ignores the lines of an audience switched off", () => {
        const record = holder({
            customerOn: false,
            customer: [{ channel: "sms", phone: "" }],
            operator: [{ channel: "email", email: "ops@example.com" }],
        });
        expect(findLineMissingContact(record)).toBe(null);
    });

    test("picks a number from the contact's numbers", async () => {
        await mountView({
            type: "form",
            resModel: "crm.activity.reminder",
            resId: 1,
            arch: `<form><field name="channel"/><field name="phone" widget="crm_alert_phone_choice"/></form>`,
        });
        await click(".o_crm_alert_phone_choices");
        await animationFrame();
        expect(".o_crm_alert_phone_option").toHaveCount(2);
        await click(".o_crm_alert_phone_option:last");
        await animationFrame();
        expect(queryFirst("div[name=phone] input").value).toBe("+62215550101");
    });

    test("offers no list when the contact has no number", async () => {
        await mountView({
            type: "form",
            resModel: "crm.activity.reminder",
            resId: 2,
            arch: `<form><field name="phone" widget="crm_alert_phone_choice"/></form>`,
        });
        expect(".o_crm_alert_phone_choices").toHaveCount(0);
        expect("div[name=phone] input").toHaveCount(1);
    });
});
