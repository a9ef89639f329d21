/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";

const validate = ".o_form_view .o_statusbar_buttons button[name='button_validate']:visible";

registry.category("web_tour.tours").add("crm_alert_delivery_tour", {
    steps: () => [
        {
            content: "Validate a customer delivery without its tracking number",
            trigger: validate,
            run: "click",
        },
        {
            content: "Refused, naming the field",
            trigger: ".modal:contains(Tracking Reference is required)",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The tracking number is on the Additional Info tab",
            trigger: ".o_notebook a[name='extra']",
            run: "click",
        },
        {
            trigger: "div[name='carrier_tracking_ref'] input",
            run: "edit JNE-TOUR-0001",
        },
        {
            content: "Validate again",
            trigger: validate,
            run: "click",
        },
        {
            content: "Validated",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Back to the list of transfers",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Select two customer deliveries",
            trigger: ".o_data_row:contains(Tour Customer A) .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains(Tour Customer B) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Actions → Validate",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .o_menu_item:contains(Validate)",
            run: "click",
        },
        {
            content: "Refused: one at a time",
            trigger: ".modal:contains(one at a time)",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
    ],
});
