# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval


class CrmWorkflowTestRun(models.TransientModel):
    """Run a workflow on one record without any effect: every step runs in
    a savepoint that is rolled back; messages are listed, not sent; waits
    are skipped; a human step's activity counts as done."""

    _name = "crm.workflow.test.run"
    _description = "Workflow Test Run"

    workflow_id = fields.Many2one("crm.workflow", required=True, ondelete="cascade")
    res_model = fields.Char(related="workflow_id.model")
    res_id = fields.Many2oneReference(
        string="Record", model_field="res_model", required=True
    )
    path = fields.Html(readonly=True, sanitize=False)
    done = fields.Boolean()

    def _simulate(self):
        """Return ``(path, messages)``: the timeline lines and the messages
        the run would have queued."""
        self.ensure_one()
        workflow = self.workflow_id.sudo()
        record = self.env[workflow.model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("Record: choose an existing record."))
        record.check_access("read")
        cr = self.env.cr
        cr.execute("SELECT coalesce(max(id), 0) FROM crm_alert_message")
        last_message = cr.fetchone()[0]
        savepoint = cr.savepoint()
        try:
            entry = True
            if workflow.filter_domain:
                entry = bool(
                    record.sudo().filtered_domain(safe_eval(workflow.filter_domain))
                )
            Run = (
                self.env["crm.workflow.run"].sudo().with_context(crm_workflow_test=True)
            )
            run = Run._start(workflow, record.sudo())
            run._advance()
            run.env.flush_all()
            path = [
                (log.step_id.name or "", log.outcome or "", log.error or "")
                for log in run.log_ids.sorted("id")
            ]
            path.append(("", run.state, ""))
            messages = [
                (m.channel, m.recipient_partner_id.display_name, self._subject(m))
                for m in self.env["crm.alert.message"]
                .sudo()
                .search([("id", ">", last_message)])
            ]
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        return entry, path, messages

    def _subject(self, message):
        """The subject the message would have (rendered as at send time)."""
        template = message.template_id
        res_id = (
            message.source_id
            if message.source_model == template.model
            else message.res_id
        )
        if template and res_id:
            rendered = template._render_field("subject", [res_id])
            return rendered.get(res_id) or message.subject or ""
        return message.subject or ""

    def action_run(self):
        self.ensure_one()
        entry, path, messages = self._simulate()
        html = Markup("")
        if not entry:
            html += Markup("<p class='text-warning'>%s</p>") % self.env._(
                "This record does not match the entry filter: the workflow "
                "would not start for it."
            )
        html += Markup("<ol>")
        for step, outcome, error in path:
            html += Markup("<li><b>%s</b> %s%s</li>") % (
                step,
                outcome,
                Markup(" <span class='text-danger'>%s</span>") % error if error else "",
            )
        html += Markup("</ol>")
        html += Markup("<p><b>%s</b></p>") % self.env._(
            "Messages (recorded, not sent):"
        )
        if messages:
            html += Markup("<ul>")
            for channel, recipient, subject in messages:
                html += Markup("<li>%s → %s: %s</li>") % (
                    escape(channel),
                    escape(recipient or ""),
                    escape(subject),
                )
            html += Markup("</ul>")
        else:
            html += Markup("<p>%s</p>") % self.env._("none")
        self.write({"path": html, "done": True})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
