# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The visual workflow builder's server side: node positions, the diagram as
one JSON value of the workflow (read: nodes, edges, summaries, problems and
live counts; written: the whole diagram edit, applied on save), and the
checks that activation runs."""

from collections import deque

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

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
OPERATORS = {
    "=": "=",
    "==": "=",
    "!=": "≠",
    "<>": "≠",
    ">": ">",
    ">=": "≥",
    "<": "<",
    "<=": "≤",
}


class CrmWorkflowStep(models.Model):
    _inherit = "crm.workflow.step"

    builder_x = fields.Integer(string="Diagram X", copy=False)
    builder_y = fields.Integer(string="Diagram Y", copy=False)

    # -- one line on the node -------------------------------------------
    def _builder_summary(self):
        self.ensure_one()
        if self.kind == "condition":
            return self.env._("If %(condition)s", condition=self._domain_summary())
        if self.kind == "wait":
            if self.wait_mode == "date":
                return self.env._(
                    "Wait until %(field)s",
                    field=self.wait_date_field_id.field_description or "…",
                )
            return self.env._(
                "Wait %(amount)s %(unit)s",
                amount=self.wait_amount,
                unit=self._selection_label("wait_unit").lower(),
            )
        if self.kind == "human":
            return self.env._(
                "%(type)s for %(who)s",
                type=self.activity_type_id.name or self.env._("Activity"),
                who=self._assignee_label(),
            )
        if self.kind == "end":
            return self.env._("End of the run")
        kind = self.action_kind
        if kind == "message":
            template = (
                self.msg_mail_template_id
                if self.msg_channel == "email"
                else self.msg_sms_template_id
            )
            return self.env._(
                "Send %(channel)s: %(template)s",
                channel=self._selection_label("msg_channel"),
                template=template.name or "…",
            )
        if kind == "activity":
            return self.env._(
                "%(type)s for %(who)s",
                type=self.activity_type_id.name or self.env._("Activity"),
                who=self._assignee_label(),
            )
        if kind == "update":
            return self.env._(
                "Set %(field)s = %(value)s",
                field=self.update_field_id.field_description or "…",
                value=self.update_value or "",
            )
        return self.env._("Run %(action)s", action=self.sudo().action_id.name or "…")

    def _selection_label(self, field):
        values = dict(self._fields[field]._description_selection(self.env))
        return values.get(self[field], "")

    def _assignee_label(self):
        if self.assign_to == "user":
            return self.assign_user_id.name or "…"
        return self._selection_label("assign_to").lower()

    def _domain_summary(self):
        """``Type = Meeting and Stage ≠ Won`` for simple filters."""
        try:
            domain = safe_eval(self.condition_domain or "[]")
        except Exception:  # pylint: disable=broad-except
            return self.env._("an invalid filter")
        if not domain:
            return self.env._("every record")
        leaves = [
            self._leaf_summary(*leaf)
            for leaf in domain
            if isinstance(leaf, list | tuple) and len(leaf) == 3
        ]
        joiner = self.env._(" or ") if "|" in domain else self.env._(" and ")
        return joiner.join(leaves)

    def _leaf_summary(self, path, operator, value):
        Model = self.env[self.model]
        labels = []
        field = None
        for name in str(path).split("."):
            field = Model._fields.get(name)
            if field is None:
                labels.append(name)
                break
            labels.append(field._description_string(self.env))
            if field.relational:
                Model = self.env[field.comodel_name]
        shown = value
        if field is not None:
            if field.type == "selection":
                shown = dict(field._description_selection(self.env)).get(value, value)
            elif field.type == "many2one" and isinstance(value, int):
                shown = Model.browse(value).exists().display_name or value
            elif field.type == "boolean":
                shown = self.env._("Yes") if value else self.env._("No")
        if isinstance(shown, list | tuple):
            shown = ", ".join(str(v) for v in shown)
        label = " / ".join(labels)
        return f"{label} {OPERATORS.get(operator, operator)} {shown}"


class CrmWorkflow(models.Model):
    _inherit = "crm.workflow"

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

    def write(self, vals):
        activating = (
            self.filtered(lambda w: not w.active)
            if vals.get("active")
            else self.browse()
        )
        res = super().write(vals)
        activating._check_can_activate()
        return res

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
                bucket = counts.setdefault(
                    step.id, {"waiting": 0, "done": 0, "failed": 0}
                )
                key = {"running": "waiting", "waiting": "waiting"}.get(state, state)
                if key in bucket:
                    bucket[key] += count
        kinds = dict(
            self.env["crm.workflow.step"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        for step in steps:
            graph["steps"].append(
                {
                    "id": step.id,
                    "kind": step.kind,
                    "kind_label": kinds[step.kind],
                    "action_kind": step.action_kind or False,
                    "name": step.name,
                    "summary": step._builder_summary(),
                    "x": step.builder_x,
                    "y": step.builder_y,
                    "timeout_enabled": bool(step.timeout_amount),
                    **{o: step[f].id or False for o, f in OUTCOMES.items()},
                    "counts": counts.get(
                        step.id, {"waiting": 0, "done": 0, "failed": 0}
                    ),
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
