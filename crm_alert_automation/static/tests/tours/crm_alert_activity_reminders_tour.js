/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";

const dialog = ".modal:has(a.nav-link[name='crm_alert_reminders'])";
const customerRows = `${dialog} div[name='crm_alert_customer_line_ids'] .o_data_row`;
const operatorRows = `${dialog} div[name='crm_alert_operator_line_ids'] .o_data_row`;

registry.category("web_tour.tours").add("crm_alert_activity_reminders_tour", {
    steps: () => [
        {
            content: "Open Schedule Activity on the lead",
            trigger: ".o-mail-Chatter-activity",
            run: "click",
        },
        {
            content: "The dialog has an Automatic reminders tab",
            trigger: `${dialog} a.nav-link[name='crm_alert_reminders']`,
            run: "click",
        },
        {
            content: "... with a sub-tab for operators, listing the responsible user",
            trigger: `${dialog} a.nav-link[name='crm_alert_operator_reminders']`,
            run: "click",
        },
        {
            trigger: `${operatorRows} td[name='user_id']:contains(Mitchell Admin)`,
        },
        {
            content: "... and one for customers",
            trigger: `${dialog} a.nav-link[name='crm_alert_customer_reminders']`,
            run: "click",
        },
        {
            content: "Switch customer reminders on",
            trigger: `${dialog} div[name='crm_alert_customer_reminder'] input`,
            run: "click",
        },
        {
            content: "The default reminder comes with the contact's mobile",
            trigger: `${customerRows} td[name='phone']:contains(+6282112345678)`,
            run: "click",
        },
        {
            content: "Open the contact's numbers",
            trigger: `${customerRows} .o_crm_alert_phone_choices`,
            run: "click",
        },
        {
            content: "Pick the office number",
            trigger: ".o_crm_alert_phone_option:contains(+62215550101)",
            run: "click",
        },
        {
            trigger: `${customerRows} div[name='phone'] input:value(+62215550101)`,
        },
        {
            content: "Try to schedule: the operator has no phone",
            trigger: `${dialog} button[name='action_schedule_activities']`,
            run: "click",
        },
        {
            content: "A clear message says what is missing",
            trigger: ".o_notification:contains(has no phone number)",
        },
        {
            content: "The operators' tab is shown, the line's phone open for input",
            trigger: `${dialog} a.nav-link.active[name='crm_alert_operator_reminders']`,
        },
        {
            trigger: `${operatorRows}.o_selected_row div[name='phone'] input`,
            run: "edit +62 812 9999 8888",
        },
        {
            content: "Schedule",
            trigger: `${dialog} button[name='action_schedule_activities']`,
            run: "click",
        },
        {
            content: "The activity is scheduled",
            trigger: "body:not(:has(.modal)) .o-mail-Activity",
        },
    ],
});
