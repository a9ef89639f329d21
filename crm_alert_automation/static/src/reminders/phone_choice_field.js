/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { registry } from "@web/core/registry";
import { CharField, charField } from "@web/views/fields/char/char_field";

/**
 * A phone number that can be typed, or picked from the recipient's known
 * numbers (the line's `phone_options`: [{number, label}]).
 */
export class PhoneChoiceField extends CharField {
    static template = "crm_alert_automation.PhoneChoiceField";
    static components = { ...CharField.components, Dropdown, DropdownItem };

    get phoneOptions() {
        return this.props.record.data.phone_options || [];
    }

    choose(number) {
        return this.props.record.update({ [this.props.name]: number });
    }
}

export const phoneChoiceField = {
    ...charField,
    component: PhoneChoiceField,
    fieldDependencies: [{ name: "phone_options", type: "json" }],
};

registry.category("fields").add("crm_alert_phone_choice", phoneChoiceField);
