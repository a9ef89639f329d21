# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "CRM Alert Automation",
    "summary": "Activity reminders, late-response escalations and automated "
    "customer messages, configured once in Settings",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-alert-automation/crm_alert_automation",
    "author": "crm_alert_automation authors",
    "license": "LGPL-3",
    "depends": [
        "crm",
        "sms",
        "base_automation",
        "sale",
        "account",
        "sale_stock",
        "stock_delivery",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_alert_security.xml",
        "security/crm_workflow_security.xml",
        "views/res_config_settings_views.xml",
        "views/crm_alert_message_views.xml",
        "views/crm_alert_gateway_views.xml",
        "views/crm_alert_whatsapp_template_views.xml",
        "views/ir_actions_server_views.xml",
        "views/res_config_settings_order_messages_views.xml",
        "views/sale_order_views.xml",
        "views/crm_activity_reminder_views.xml",
        "views/crm_alert_menus.xml",
        "views/crm_workflow_views.xml",
        "views/crm_workflow_run_views.xml",
        "views/crm_workflow_menus.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/order_message_template_data.xml",
        "data/order_message_automation_data.xml",
        "data/crm_activity_reminder_data.xml",
        "data/crm_workflow_data.xml",
        "data/crm_workflow_template_data.xml",
    ],
    "demo": ["demo/crm_alert_demo.xml"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "assets": {
        "web.assets_backend": [
            "crm_alert_automation/static/lib/dagre/dagre.min.js",
            "crm_alert_automation/static/src/**/*",
        ],
        "web.assets_unit_tests": [
            "crm_alert_automation/static/tests/*.test.js",
        ],
        "web.assets_tests": [
            "crm_alert_automation/static/tests/tours/*.js",
        ],
    },
}
