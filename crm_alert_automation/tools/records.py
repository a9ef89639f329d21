# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def record_of(env, model, res_id):
    """The record ``res_id`` of ``model`` (not checked for existence), or
    None when either is missing or the model is not installed."""
    if not model or not res_id or model not in env:
        return None
    return env[model].browse(res_id)
