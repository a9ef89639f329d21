/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

const AUDIENCES = ["customer", "operator"];
const AUDIENCE_LABELS = { customer: _t("customers"), operator: _t("operators") };
const CONTACT_LABELS = { phone: _t("phone number"), email: _t("e-mail address") };

/**
 * The first reminder line, among the switched-on audiences, that lacks
 * the phone (SMS) or e-mail address (e-mail) its channel needs.
 */
export function findLineMissingContact(record) {
    for (const audience of AUDIENCES) {
        if (!record.data[`crm_alert_${audience}_reminder`]) {
            continue;
        }
        const lines = record.data[`crm_alert_${audience}_line_ids`]?.records || [];
        for (const [index, line] of lines.entries()) {
            const field = line.data.channel === "sms" ? "phone" : "email";
            if (!line.data[field]) {
                return { audience, index, field };
            }
        }
    }
    return null;
}

function afterRender() {
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

export class ReminderFormController extends FormController {
    setup() {
        super.setup();
        this.notification = useService("notification");
    }

    // Checked before Odoo's own save, which drops new lines that are
    // invalid and untouched (as default lines lacking a number are).
    async beforeExecuteActionButton(clickParams) {
        if (clickParams.special !== "cancel" && !(await this.checkReminderLines())) {
            return false;
        }
        return super.beforeExecuteActionButton(...arguments);
    }

    async save() {
        if (!(await this.checkReminderLines())) {
            return false;
        }
        return super.save(...arguments);
    }

    async checkReminderLines() {
        // Commit what is being typed (a number in an edited line) first.
        await this.model.root.isDirty();
        await this.model.mutex.getUnlockedDef();
        const missing = findLineMissingContact(this.model.root);
        if (!missing) {
            return true;
        }
        this.notification.add(
            _t("Reminder %(line)s for %(audience)s has no %(field)s: fill it in to save.", {
                line: missing.index + 1,
                audience: AUDIENCE_LABELS[missing.audience],
                field: CONTACT_LABELS[missing.field],
            }),
            { type: "danger", title: _t("Automatic reminders") }
        );
        await this.showLine(missing);
        return false;
    }

    /** Open the tab and sub-tab of the line and put its empty cell in edition. */
    async showLine({ audience, index, field }) {
        const root = this.rootRef.el;
        for (const page of ["crm_alert_reminders", `crm_alert_${audience}_reminders`]) {
            root.querySelector(`.o_notebook a.nav-link[name="${page}"]`)?.click();
            await afterRender();
        }
        const rows = root.querySelectorAll(
            `.o_field_widget[name="crm_alert_${audience}_line_ids"] .o_data_row`
        );
        const cell = rows[index]?.querySelector(`td[name="${field}"]`);
        if (cell) {
            cell.click();
            await afterRender();
            rows[index].classList.add("o_crm_alert_missing_contact");
            cell.querySelector("input")?.focus();
        }
    }
}

export const reminderFormView = { ...formView, Controller: ReminderFormController };

registry.category("views").add("crm_alert_reminder_form", reminderFormView);
