# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def document_companies(env, model, res_ids):
    """``{res_id: company}`` for the records of ``model`` among ``res_ids``
    that belong to a company (one query per model, whatever the count)."""
    if not model or model not in env or "company_id" not in env[model]._fields:
        return {}
    records = env[model].sudo().browse(res_ids).exists()
    return {record.id: record.company_id for record in records if record.company_id}
