/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";

const interval = "div[name='crm_alert_activity_interval'] input";

registry.category("web_tour.tours").add("crm_alert_settings_tour", {
    url: "/odoo/settings",
    steps: () => [
        {
            content: "Open the CRM settings",
            trigger: ".settings_tab [data-key='crm']",
            run: "click",
        },
        {
            content: "The CRM Alerts section is there, with its e-mail account",
            trigger: "div[name='crm_alert_smtp_host'] input",
        },
        {
            content: "A very short interval warns about spam",
            trigger: interval,
            run: "edit 1 && press Tab",
        },
        {
            trigger: ".o_notification:contains(Very short interval)",
        },
        {
            content: "An impossible interval is refused on save",
            trigger: interval,
            run: "edit 0 && press Tab",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".modal:contains(must be a whole number of hours from 1 to 720)",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "A sane interval saves",
            trigger: interval,
            run: "edit 12 && press Tab",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: no unsaved changes left",
            trigger: ".o_control_panel:not(:has(.o_dirty_warning))",
        },
    ],
});
