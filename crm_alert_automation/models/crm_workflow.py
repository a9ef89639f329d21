# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import deque

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

# workflow trigger -> base.automation trigger
TRIGGERS = {
    "created": "on_create",
    "updated": "on_write",
    "deleted": "on_unlink",
    "stage_set": "on_stage_set",
    "user_set": "on_user_set",
    "tag_set": "on_tag_set",
    "state_set": "on_state_set",
    "date": "on_time",
    "not_updated": "on_time_updated",
}
TIME_TRIGGERS = ("date", "not_updated")
# a step's live counts when no run is there
NO_RUNS = {"waiting": 0, "done": 0, "failed": 0}
# outcome -> step field; the order the canvas draws the handles in
OUTCOMES = {
    "next": "next_step_id",
    "no": "no_step_id",
    "timeout": "timeout_step_id",
    "cancel": "cancel_step_id",
}
KIND_OUTCOMES = {
    "condition": ("next", "no"),
    "action": ("next",),
    "wait": ("next",),
    "human": ("next", "timeout", "cancel"),
    "end": (),
}


class CrmWorkflow(models.Model):
    """A multi-step flow (condition / action / wait / human step) that
    records of one model are enrolled in by an automation rule."""

    _name = "crm.workflow"
    _description = "CRM Workflow"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    is_template = fields.Boolean(
        string="Template",
        help="A ready-made flow: it never runs; *New workflow from template* "
        "copies it.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="Empty only on templates.",
    )
    model_id = fields.Many2one(
        "ir.model",
        string="Applies To",
        required=True,
        ondelete="cascade",
        domain="[('transient', '=', False)]",
        tracking=True,
    )
    model = fields.Char(related="model_id.model", store=True, string="Model Name")
    trigger = fields.Selection(
        [
            ("created", "Record created"),
            ("updated", "Record updated"),
            ("deleted", "Record deleted"),
            ("stage_set", "Stage is set to"),
            ("user_set", "Salesperson/user is set"),
            ("tag_set", "Tag is added"),
            ("state_set", "Status is set to"),
            ("date", "A date is reached"),
            ("not_updated", "Not updated for"),
            ("manual", "Manually (Start workflow action)"),
        ],
        required=True,
        default="created",
        tracking=True,
    )
    trigger_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Watched Fields",
        domain="[('model_id', '=', model_id), ('store', '=', True)]",
        help="Record updated: only a change of one of these fields starts the "
        "workflow (empty: any change).",
    )
    trigger_stage_id = fields.Many2one(
        "crm.stage", string="Stage", help="Stage is set to: this stage."
    )
    trigger_tag_id = fields.Many2one(
        "crm.tag", string="Tag", help="Tag is added: this tag."
    )
    trigger_state_id = fields.Many2one(
        "ir.model.fields.selection",
        string="Status",
        domain="[('field_id.model_id', '=', model_id), "
        "('field_id.name', '=', 'state')]",
        help="Status is set to: this value of the record's Status field.",
    )
    trigger_date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Date Field",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime'))]",
    )
    trigger_delay = fields.Integer(
        string="Delay",
        help="A date is reached: how long after the date (negative: before). "
        "Not updated for: how long without a change.",
    )
    trigger_delay_unit = fields.Selection(
        [("minutes", "Minutes"), ("hour", "Hours"), ("day", "Days")],
        string="Delay Unit",
        default="day",
    )
    filter_domain = fields.Char(
        string="Entry Filter",
        help="Only records matching this filter are enrolled.",
    )
    reenrol = fields.Selection(
        [
            ("once", "Once per record"),
            ("after_end", "Again after the previous run ended"),
        ],
        string="Re-enrolment",
        required=True,
        default="once",
    )
    goal_domain = fields.Char(
        string="Goal",
        help="A run whose record matches this filter ends at once (goal met), "
        "whatever step it is at.",
    )
    step_ids = fields.One2many("crm.workflow.step", "workflow_id", string="Steps")
    run_ids = fields.One2many("crm.workflow.run", "workflow_id", string="Runs")
    run_count = fields.Integer(compute="_compute_run_count")
    automation_id = fields.Many2one(
        "base.automation",
        string="Automation Rule",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups="base.group_system",
    )

    builder_trigger_x = fields.Integer(copy=False)
    builder_trigger_y = fields.Integer(copy=False)
    builder_graph = fields.Json(
        string="Diagram",
        compute="_compute_builder_graph",
        inverse="_inverse_builder_graph",
        readonly=False,
        help="The workflow as the builder's canvas draws it; writing it saves "
        "a whole diagram edit (new, moved, linked and deleted steps).",
    )

    @api.depends("run_ids")
    def _compute_run_count(self):
        counts = dict(
            self.env["crm.workflow.run"]._read_group(
                [("workflow_id", "in", self.ids)], ["workflow_id"], ["__count"]
            )
        )
        for workflow in self:
            workflow.run_count = counts.get(workflow, 0)

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    @api.constrains(
        "trigger",
        "model_id",
        "trigger_stage_id",
        "trigger_tag_id",
        "trigger_state_id",
        "trigger_date_field_id",
        "trigger_delay",
        "filter_domain",
        "goal_domain",
        "company_id",
        "is_template",
    )
    def _check_trigger(self):
        for workflow in self:
            name = workflow.name
            model = workflow.model
            if not workflow.is_template and not workflow.company_id:
                raise ValidationError(
                    self.env._("%(name)s: Company is required.", name=name)
                )
            needs = {
                "stage_set": ("stage_id", "trigger_stage_id", self.env._("Stage")),
                "tag_set": ("tag_ids", "trigger_tag_id", self.env._("Tag")),
                "state_set": ("state", "trigger_state_id", self.env._("Status")),
                "user_set": ("user_id", None, None),
            }.get(workflow.trigger)
            if needs:
                field, value_field, label = needs
                if field not in self.env[model]._fields:
                    raise ValidationError(
                        self.env._(
                            "%(name)s: Trigger: %(model)s has no field %(field)s.",
                            name=name,
                            model=workflow.model_id.name,
                            field=field,
                        )
                    )
                if value_field and not workflow[value_field]:
                    raise ValidationError(
                        self.env._(
                            "%(name)s: %(label)s is required for this trigger.",
                            name=name,
                            label=label,
                        )
                    )
            if workflow.trigger == "date" and not workflow.trigger_date_field_id:
                raise ValidationError(
                    self.env._(
                        "%(name)s: Date Field is required for the trigger "
                        "'A date is reached'.",
                        name=name,
                    )
                )
            if workflow.trigger == "not_updated" and workflow.trigger_delay <= 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s: Delay must be positive for the trigger "
                        "'Not updated for'.",
                        name=name,
                    )
                )
            for field, label in (
                ("filter_domain", self.env._("Entry Filter")),
                ("goal_domain", self.env._("Goal")),
            ):
                workflow._check_domain(workflow[field], label)

    def _check_domain(self, domain, label):
        if not domain:
            return
        try:
            self.env[self.model].search_count(safe_eval(domain), limit=1)
        except Exception as error:
            raise ValidationError(
                self.env._(
                    "%(name)s: %(label)s is not a valid filter: %(error)s",
                    name=self.name,
                    label=label,
                    error=error,
                )
            ) from error

    # ------------------------------------------------------------------
    # Trigger: one base.automation rule with a "Start workflow" action
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        workflows = super().create(vals_list)
        workflows._sync_automation()
        return workflows

    def write(self, vals):
        activating = (
            self.filtered(lambda w: not w.active)
            if vals.get("active")
            else self.browse()
        )
        res = super().write(vals)
        if set(vals) & self._automation_fields():
            self._sync_automation()
        activating._check_can_activate()
        return res

    def unlink(self):
        automations = self.sudo().automation_id
        actions = automations.action_server_ids
        res = super().unlink()
        actions.unlink()
        automations.unlink()
        return res

    @api.model
    def _automation_fields(self):
        return {
            "name",
            "active",
            "is_template",
            "company_id",
            "model_id",
            "trigger",
            "trigger_field_ids",
            "trigger_stage_id",
            "trigger_tag_id",
            "trigger_state_id",
            "trigger_date_field_id",
            "trigger_delay",
            "trigger_delay_unit",
            "filter_domain",
        }

    def _automation_values(self):
        self.ensure_one()
        trigger = TRIGGERS[self.trigger]
        vals = {
            "name": self.env._("Workflow: %(name)s", name=self.name),
            "model_id": self.model_id.id,
            "trigger": trigger,
            "active": self.active,
        }
        if self.trigger in ("created", "updated", "deleted"):
            # records outside the entry filter cost the rule nothing more
            vals["filter_domain"] = self.filter_domain or False
        if self.trigger == "updated":
            vals["trigger_field_ids"] = [Command.set(self.trigger_field_ids.ids)]
        elif self.trigger == "stage_set":
            vals["trg_field_ref"] = self.trigger_stage_id.id
        elif self.trigger == "tag_set":
            vals["trg_field_ref"] = self.trigger_tag_id.id
        elif self.trigger == "state_set":
            vals["trg_selection_field_id"] = self.trigger_state_id.id
        elif self.trigger in TIME_TRIGGERS:
            if self.trigger == "date":
                vals["trg_date_id"] = self.trigger_date_field_id.id
            vals["trg_date_range"] = self.trigger_delay
            vals["trg_date_range_type"] = self.trigger_delay_unit
            # the scheduler searches the records with this domain
            vals["filter_domain"] = self.filter_domain or False
        return vals

    def _sync_automation(self):
        """Create, update or remove the automation rule that enrols records."""
        for workflow in self.sudo():
            automation = workflow.automation_id
            if workflow.is_template or workflow.trigger == "manual":
                if automation:
                    automation.action_server_ids.unlink()
                    automation.unlink()
                continue
            vals = workflow._automation_values()
            if automation and automation.trigger != vals["trigger"]:
                automation.write({"trigger": vals["trigger"]})
            if automation:
                automation.write(vals)
                automation.action_server_ids.write(
                    {"model_id": workflow.model_id.id, "name": vals["name"]}
                )
                continue
            automation = workflow.env["base.automation"].create(vals)
            workflow.env["ir.actions.server"].create(
                {
                    "name": vals["name"],
                    "model_id": workflow.model_id.id,
                    "state": "crm_workflow_start",
                    "crm_workflow_id": workflow.id,
                    "usage": "base_automation",
                    "base_automation_id": automation.id,
                }
            )
            workflow.automation_id = automation

    # ------------------------------------------------------------------
    # Enrolment
    # ------------------------------------------------------------------
    def _first_step(self):
        return self.step_ids.sorted(lambda s: (s.sequence, s.id))[:1]

    def _enrol(self, records):
        """Start a run of this workflow for each of ``records`` that passes
        the entry filter and the re-enrolment rule; its first steps run at
        once, in this transaction. Returns the new runs."""
        self.ensure_one()
        workflow = self.sudo()
        Run = self.env["crm.workflow.run"].sudo()
        if workflow.is_template or not workflow.active or not records:
            return Run
        records = records.sudo()
        if workflow.trigger == "manual":  # any ids a caller passes
            records = records.exists()
        if workflow.company_id and "company_id" in records._fields:
            records = records.filtered(
                lambda r: not r.company_id or r.company_id == workflow.company_id
            )
        if workflow.filter_domain:
            records = records.filtered_domain(safe_eval(workflow.filter_domain))
        if not records:
            return Run
        domain = [("workflow_id", "=", workflow.id), ("res_id", "in", records.ids)]
        if workflow.reenrol == "after_end":
            domain.append(("state", "in", ("running", "waiting", "failed")))
        enrolled = set(Run.search(domain).mapped("res_id"))
        records = records.filtered(lambda r: r.id not in enrolled)
        if not records:
            return Run
        return Run._start(workflow, records, advance=True)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_alert_automation.crm_workflow_run_action"
        )
        action["domain"] = [("workflow_id", "=", self.id)]
        action["context"] = {"default_workflow_id": self.id}
        return action

    def action_test_run(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test Run"),
            "res_model": "crm.workflow.test.run",
            "view_mode": "form",
            "target": "new",
            "context": {"default_workflow_id": self.id},
        }

    # ------------------------------------------------------------------
    # JSON export / import (templates are copied the same way)
    # ------------------------------------------------------------------
    def _ref(self, record, key="name"):
        """A portable reference: the XML id when there is one, else ``key``."""
        if not record:
            return False
        xmlid = record.sudo().get_external_id().get(record.id)
        return xmlid or record[key]

    def _export_json(self):
        self.ensure_one()
        steps = self.step_ids.sorted(lambda s: (s.sequence, s.id))
        keys = {step: f"s{i}" for i, step in enumerate(steps, 1)}
        ref = self._ref
        data = {
            "format": "crm_workflow/1",
            "name": self.name,
            "description": self.description or "",
            "model": self.model,
            "trigger": self.trigger,
            "trigger_fields": self.trigger_field_ids.mapped("name"),
            "trigger_stage": ref(self.trigger_stage_id),
            "trigger_tag": ref(self.trigger_tag_id),
            "trigger_state": self.trigger_state_id.value or False,
            "trigger_date_field": self.trigger_date_field_id.name or False,
            "trigger_delay": self.trigger_delay,
            "trigger_delay_unit": self.trigger_delay_unit,
            "filter_domain": self.filter_domain or False,
            "reenrol": self.reenrol,
            "goal_domain": self.goal_domain or False,
            "steps": [],
        }
        for step in steps:
            action = step.sudo().action_id
            data["steps"].append(
                {
                    "key": keys[step],
                    "name": step.name,
                    "kind": step.kind,
                    "next": keys.get(step.next_step_id, False),
                    "no": keys.get(step.no_step_id, False),
                    "timeout": keys.get(step.timeout_step_id, False),
                    "cancel": keys.get(step.cancel_step_id, False),
                    "condition_domain": step.condition_domain,
                    "action_kind": step.action_kind,
                    "server_action": ref(action)
                    if step.action_kind == "server"
                    else False,
                    "msg_channel": step.msg_channel,
                    "msg_mail_template": ref(step.msg_mail_template_id),
                    "msg_sms_template": ref(step.msg_sms_template_id),
                    "msg_recipient_field": step.msg_recipient_field_id.name or False,
                    "update_field": step.update_field_id.name or False,
                    "update_value": step.update_value or False,
                    "wait_mode": step.wait_mode,
                    "wait_amount": step.wait_amount,
                    "wait_unit": step.wait_unit,
                    "wait_date_field": step.wait_date_field_id.name or False,
                    "wait_offset": step.wait_offset,
                    "wait_offset_unit": step.wait_offset_unit,
                    "wait_working_hours": step.wait_working_hours,
                    "activity_type": ref(step.activity_type_id),
                    "activity_summary": step.activity_summary or False,
                    "activity_note": step.activity_note or False,
                    "assign_to": step.assign_to,
                    "assign_user": ref(step.assign_user_id, "login"),
                    "priority": step.priority,
                    "deadline_days": step.deadline_days,
                    "timeout_amount": step.timeout_amount,
                    "timeout_unit": step.timeout_unit,
                    "x": step.builder_x,
                    "y": step.builder_y,
                }
            )
        return data

    @api.model
    def _resolve(self, model, value, label, key="name", domain=None):
        if not value:
            return self.env[model]
        record = self.env.ref(value, raise_if_not_found=False) if "." in value else None
        if not record or record._name != model:
            record = self.env[model].search(
                [(key, "=", value), *(domain or [])], limit=1
            )
        if not record:
            raise ValidationError(
                self.env._(
                    "%(label)s: %(value)s not found in this database.",
                    label=label,
                    value=value,
                )
            )
        return record

    @api.model
    def _import_json(self, data, company=None, name=None):
        """Create a workflow (with its steps) from ``_export_json`` data."""
        if not isinstance(data, dict) or data.get("format") != "crm_workflow/1":
            raise ValidationError(self.env._("File: this is not an exported workflow."))
        model = self.env["ir.model"]._get(data.get("model") or "")
        if not model:
            raise ValidationError(
                self.env._(
                    "Applies To: model %(model)s is not installed.",
                    model=data.get("model"),
                )
            )

        def field(name, label):
            if not name:
                return self.env["ir.model.fields"]
            found = self.env["ir.model.fields"]._get(model.model, name)
            if not found:
                raise ValidationError(
                    self.env._(
                        "%(label)s: field %(name)s not found.", label=label, name=name
                    )
                )
            return found

        state = self.env["ir.model.fields.selection"]
        if data.get("trigger_state"):
            state = state.search(
                [
                    ("field_id", "=", field("state", self.env._("Status")).id),
                    ("value", "=", data["trigger_state"]),
                ],
                limit=1,
            )
        workflow = self.create(
            {
                "name": name or data.get("name") or self.env._("Imported workflow"),
                "description": data.get("description") or False,
                "company_id": (company or self.env.company).id,
                "model_id": model.id,
                "trigger": data.get("trigger") or "manual",
                "trigger_field_ids": [
                    Command.set(
                        [
                            field(f, self.env._("Watched Fields")).id
                            for f in data.get("trigger_fields") or []
                        ]
                    )
                ],
                "trigger_stage_id": self._resolve(
                    "crm.stage", data.get("trigger_stage"), self.env._("Stage")
                ).id,
                "trigger_tag_id": self._resolve(
                    "crm.tag", data.get("trigger_tag"), self.env._("Tag")
                ).id,
                "trigger_state_id": state.id,
                "trigger_date_field_id": field(
                    data.get("trigger_date_field"), self.env._("Date Field")
                ).id,
                "trigger_delay": data.get("trigger_delay") or 0,
                "trigger_delay_unit": data.get("trigger_delay_unit") or "day",
                "filter_domain": data.get("filter_domain") or False,
                "reenrol": data.get("reenrol") or "once",
                "goal_domain": data.get("goal_domain") or False,
            }
        )
        steps = {}
        for i, vals in enumerate(data.get("steps") or [], 1):
            step_vals = self._import_step_values(workflow, i, vals, field)
            steps[vals.get("key") or str(i)] = (
                self.env["crm.workflow.step"].create(step_vals),
                vals,
            )
        self._import_links(steps)
        return workflow

    @api.model
    def _import_links(self, steps):
        """Link imported steps to each other: ``steps`` maps each key to
        (step, its exported values)."""
        for step, vals in steps.values():
            links = {}
            for key, fname in (
                ("next", "next_step_id"),
                ("no", "no_step_id"),
                ("timeout", "timeout_step_id"),
                ("cancel", "cancel_step_id"),
            ):
                if vals.get(key):
                    if vals[key] not in steps:
                        raise ValidationError(
                            self.env._(
                                "Step %(step)s: unknown step %(key)s.",
                                step=step.name,
                                key=vals[key],
                            )
                        )
                    links[fname] = steps[vals[key]][0].id
            if links:
                step.write(links)

    @api.model
    def _import_step_values(self, workflow, i, vals, field):
        step_vals = {
            "workflow_id": workflow.id,
            "sequence": i * 10,
            "name": vals.get("name") or self.env._("Step %(n)s", n=i),
            "kind": vals.get("kind") or "end",
            "condition_domain": vals.get("condition_domain") or "[]",
            "action_kind": vals.get("action_kind") or "message",
            "msg_channel": vals.get("msg_channel") or "email",
            "msg_mail_template_id": self._resolve(
                "mail.template",
                vals.get("msg_mail_template"),
                self.env._("E-mail Template"),
            ).id,
            "msg_sms_template_id": self._resolve(
                "sms.template",
                vals.get("msg_sms_template"),
                self.env._("Text Template"),
            ).id,
            "msg_recipient_field_id": field(
                vals.get("msg_recipient_field"), self.env._("Recipient")
            ).id,
            "update_field_id": field(
                vals.get("update_field"), self.env._("Field to Update")
            ).id,
            "update_value": vals.get("update_value") or False,
            "wait_date_field_id": field(
                vals.get("wait_date_field"), self.env._("Until")
            ).id,
            "activity_type_id": self._resolve(
                "mail.activity.type",
                vals.get("activity_type"),
                self.env._("Activity Type"),
            ).id,
            "assign_user_id": self._resolve(
                "res.users", vals.get("assign_user"), self.env._("User"), key="login"
            ).id,
        }
        for key in (
            "wait_mode",
            "wait_amount",
            "wait_unit",
            "wait_offset",
            "wait_offset_unit",
            "wait_working_hours",
            "activity_summary",
            "activity_note",
            "assign_to",
            "priority",
            "deadline_days",
            "timeout_amount",
            "timeout_unit",
        ):
            if key in vals:
                step_vals[key] = vals[key]
        step_vals["builder_x"] = int(vals.get("x") or 0)
        step_vals["builder_y"] = int(vals.get("y") or 0)
        if vals.get("action_kind") == "server":
            step_vals["action_id"] = self._resolve(
                "ir.actions.server",
                vals.get("server_action"),
                self.env._("Server Action"),
            ).id
        return step_vals

    def action_export_json(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export / Import"),
            "res_model": "crm.workflow.transfer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_workflow_id": self.id},
        }

    # ------------------------------------------------------------------
    # Validation of the whole flow
    # ------------------------------------------------------------------
    def _workflow_problems(self):
        """[{step, level, code, message}]: ``error`` refuses activation
        (missing settings, unreachable steps, no step at all), ``warning`` is
        shown on the node (an outcome that is not connected ends the run)."""
        self.ensure_one()
        problems = []
        steps = self.step_ids
        if not steps:
            problems.append(
                {
                    "step": False,
                    "level": "error",
                    "code": "empty",
                    "message": self.env._("The workflow has no step."),
                }
            )
            return problems
        for step in steps:
            for message, code in step._step_problems():
                problems.append(
                    {
                        "step": step.id,
                        "level": "error",
                        "code": code,
                        "message": message,
                    }
                )
        reached = self._reachable_steps()
        for step in steps:
            if step not in reached:
                problems.append(
                    {
                        "step": step.id,
                        "level": "error",
                        "code": "unreachable",
                        "message": self.env._(
                            "Step %(step)s: no run can reach it (connect an "
                            "outcome to it, or delete it).",
                            step=step.name,
                        ),
                    }
                )
            for outcome in KIND_OUTCOMES[step.kind]:
                if step[OUTCOMES[outcome]] or outcome == "cancel":
                    continue
                if outcome == "timeout" and not step.timeout_amount:
                    continue
                problems.append(
                    {
                        "step": step.id,
                        "level": "warning",
                        "code": f"unconnected_{outcome}",
                        "message": self.env._(
                            "Step %(step)s: outcome %(outcome)s is not connected: "
                            "the run ends there.",
                            step=step.name,
                            outcome=self._outcome_label(step, outcome),
                        ),
                    }
                )
        return problems

    def _outcome_label(self, step, outcome):
        if outcome == "next":
            return self.env._("Yes") if step.kind == "condition" else self.env._("Done")
        return {
            "no": self.env._("No"),
            "timeout": self.env._("Timeout"),
            "cancel": self.env._("Cancelled"),
        }[outcome]

    def _reachable_steps(self):
        first = self._first_step()
        reached = self.env["crm.workflow.step"]
        queue = deque(first)
        while queue:
            step = queue.popleft()
            if step in reached:
                continue
            reached |= step
            for outcome in KIND_OUTCOMES[step.kind]:
                target = step[OUTCOMES[outcome]]
                if target and target not in reached:
                    queue.append(target)
        return reached

    def _check_can_activate(self):
        for workflow in self:
            if workflow.is_template:
                continue
            errors = [
                p["message"]
                for p in workflow._workflow_problems()
                if p["level"] == "error"
            ]
            if errors:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot be activated:\n%(problems)s",
                        name=workflow.name,
                        problems="\n".join(f"• {e}" for e in errors),
                    )
                )

    def action_activate(self):
        self.write({"active": True})
        return True

    def action_deactivate(self):
        self.write({"active": False})
        return True

    # ------------------------------------------------------------------
    # The diagram: read
    # ------------------------------------------------------------------
    # no dependency on purpose: a form's onchange never recomputes it over
    # the diagram edits not saved yet; it is read afresh with the record
    @api.depends()
    def _compute_builder_graph(self):
        for workflow in self:
            workflow.builder_graph = (
                workflow._builder_graph() if workflow.id else workflow._empty_graph()
            )

    def _empty_graph(self):
        return {
            "trigger": {
                "label": dict(
                    self._fields["trigger"]._description_selection(self.env)
                ).get(self.trigger, ""),
                "model": self.model_id.name or "",
                "x": 0,
                "y": 0,
            },
            "first": False,
            "steps": [],
            "problems": [],
            "live": False,
        }

    def _builder_graph(self):
        """Nodes and edges of the canvas (see static/src/workflow_builder)."""
        self.ensure_one()
        graph = self._empty_graph()
        graph["trigger"].update(x=self.builder_trigger_x, y=self.builder_trigger_y)
        steps = self.step_ids
        graph["first"] = self._first_step().id or False
        graph["live"] = bool(self.active and not self.is_template)
        counts = {}
        if graph["live"]:
            for step, state, count in self.env["crm.workflow.run"]._read_group(
                [("workflow_id", "=", self.id), ("step_id", "!=", False)],
                ["step_id", "state"],
                ["__count"],
            ):
                bucket = counts.setdefault(step.id, dict(NO_RUNS))
                key = {"running": "waiting", "waiting": "waiting"}.get(state, state)
                if key in bucket:
                    bucket[key] += count
        for step in steps:
            graph["steps"].append(
                {
                    "id": step.id,
                    "kind": step.kind,
                    "action_kind": step.action_kind or False,
                    "name": step.name,
                    "summary": step._builder_summary(),
                    "x": step.builder_x,
                    "y": step.builder_y,
                    "timeout_enabled": bool(step.timeout_amount),
                    **{o: step[f].id or False for o, f in OUTCOMES.items()},
                    "counts": counts.get(step.id, dict(NO_RUNS)),
                }
            )
        graph["problems"] = self._workflow_problems() if steps else []
        return graph

    # ------------------------------------------------------------------
    # The diagram: write (one whole edit)
    # ------------------------------------------------------------------
    def _inverse_builder_graph(self):
        for workflow in self:
            if workflow.builder_graph:
                workflow._apply_builder_graph(workflow.builder_graph)
        self.invalidate_recordset(["builder_graph"])

    def _apply_builder_graph(self, graph):
        """Make the steps what ``graph`` draws: steps with a new key
        (not an integer id) are created, those missing are deleted, then
        kinds, names, positions, links and the first step are written."""
        self.ensure_one()
        Step = self.env["crm.workflow.step"].with_context(crm_workflow_builder=True)
        nodes = graph.get("steps") or []
        existing = {s.id: s for s in self.step_ids}
        for node in nodes:
            if isinstance(node.get("id"), int) and node["id"] not in existing:
                raise ValidationError(
                    self.env._(
                        "Diagram: step %(id)s is not a step of this workflow.",
                        id=node["id"],
                    )
                )
        trigger = graph.get("trigger") or {}
        vals = {}
        for key in ("x", "y"):
            if key in trigger and trigger[key] != self[f"builder_trigger_{key}"]:
                vals[f"builder_trigger_{key}"] = int(trigger[key])
        if vals:
            self.write(vals)
        kept = {node["id"] for node in nodes if isinstance(node.get("id"), int)}
        (self.step_ids - Step.browse(list(kept))).unlink()
        by_key = {}
        to_create = [n for n in nodes if not isinstance(n.get("id"), int)]
        if to_create:
            created = Step.create(
                [
                    {
                        "workflow_id": self.id,
                        "name": node.get("name") or self.env._("Step"),
                        "kind": node.get("kind") or "action",
                        "action_kind": node.get("action_kind") or "message",
                        "builder_x": int(node.get("x") or 0),
                        "builder_y": int(node.get("y") or 0),
                    }
                    for node in to_create
                ]
            )
            by_key.update(
                {
                    node["id"]: step
                    for node, step in zip(to_create, created, strict=True)
                }
            )
        by_key.update({i: Step.browse(i) for i in kept})
        order = self._diagram_order(nodes, graph.get("first"))
        for node in nodes:
            step = by_key[node["id"]]
            write = self._builder_node_values(node, step, by_key, existing)
            sequence = (order.index(node["id"]) + 1) * 10
            if sequence != step.sequence:
                write["sequence"] = sequence
            if write:
                step.write(write)
        if self.active and not self.is_template:
            self._check_can_activate()

    def _builder_node_values(self, node, step, by_key, existing):
        """What to write on ``step`` for its ``node`` of the diagram."""
        write = {}
        if node.get("name") and node["name"] != step.name:
            write["name"] = node["name"]
        for key in ("kind", "action_kind"):
            if node.get(key) and node[key] != step[key]:
                write[key] = node[key]
        for key in ("x", "y"):
            if key in node and int(node[key] or 0) != step[f"builder_{key}"]:
                write[f"builder_{key}"] = int(node[key] or 0)
        for outcome, fname in OUTCOMES.items():
            target = node.get(outcome) or False
            if target in existing and target not in by_key:
                target = False  # a step deleted by this edit
            if target and target not in by_key:
                raise ValidationError(
                    self.env._(
                        "Diagram: step %(step)s leads to an unknown step.",
                        step=node.get("name"),
                    )
                )
            target_id = by_key[target].id if target else False
            if target_id != step[fname].id:
                write[fname] = target_id
        return write

    @api.model
    def _diagram_order(self, nodes, first):
        """Step keys in the order of the Steps list: the first step, then
        breadth-first along the outcomes, then any unreachable step."""
        index = {node["id"]: node for node in nodes}
        order = []
        queue = deque([first] if first in index else [])
        while queue:
            key = queue.popleft()
            if key in order:
                continue
            order.append(key)
            for outcome in OUTCOMES:
                target = index[key].get(outcome)
                if target in index and target not in order:
                    queue.append(target)
        order += [node["id"] for node in nodes if node["id"] not in order]
        return order
