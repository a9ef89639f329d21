/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, reactive, toRaw } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";

import { fromValue, getStep, needsLayout, toValue } from "./graph_model";
import { autoArrange } from "./layout";
import { WorkflowCanvas } from "./workflow_canvas";

export function many2oneName(value) {
    if (!value) {
        return "";
    }
    return Array.isArray(value) ? value[1] : value.display_name || "";
}

/**
 * The workflow form's Diagram page: the ``builder_graph`` field drawn and
 * edited on a canvas. Edits change the field's value (the form becomes
 * dirty); saving the workflow saves the diagram.
 */
export class WorkflowBuilderField extends Component {
    static template = "crm_alert_automation.WorkflowBuilderField";
    static components = { WorkflowCanvas };
    static props = { ...standardFieldProps };

    setup() {
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.model = reactive({ graph: fromValue(null), selected: null });
        this.value = undefined;
        this.valueJson = undefined;
        this.pending = null;
        this.sync();
        // Save (and anything else that needs the record's changes) first
        // gets the edit still waiting for the next frame
        useBus(this.props.record.model.bus, "NEED_LOCAL_CHANGES", ({ detail }) =>
            detail.proms.push(this.flush())
        );
    }

    /** The graph of the field's current value (read again when the record
     * loads a new one: after a save, a discard, another record). */
    sync() {
        const value = this.props.record.data[this.props.name];
        if (value !== this.value && this.valueJson !== undefined && !this.pending) {
            // the record may hold a copy of the value the canvas gave it
            if (JSON.stringify(value) === this.valueJson) {
                this.value = value;
            }
        }
        if (value !== this.value && !this.pending) {
            this.value = value;
            this.valueJson = undefined;
            const graph = fromValue(value);
            if (needsLayout(graph)) {
                autoArrange(graph);
            }
            this.model.graph = graph;
            if (this.model.selected?.type === "node" && !getStep(graph, this.model.selected.id)) {
                this.model.selected = null;
            }
        }
        const record = this.props.record;
        const trigger = record.fields.trigger;
        const labels = Object.fromEntries(trigger?.selection || []);
        this.model.graph.trigger.label = labels[record.data.trigger] || "";
        this.model.graph.trigger.model = many2oneName(record.data.model_id);
        return this.model;
    }

    get readonly() {
        return Boolean(this.props.readonly);
    }

    /** An edit: the canvas shows it at once; the record (and so the
     * form) gets it after the next paint, many edits of a frame in one go. */
    onChange() {
        if (!this.pending) {
            this.pending = new Promise((resolve) =>
                requestAnimationFrame(() => setTimeout(resolve))
            ).then(() => this.flush());
        }
        return this.pending;
    }

    flush() {
        if (!this.pending) {
            return Promise.resolve();
        }
        this.pending = null;
        const value = toValue(this.model.graph);
        this.value = value;
        this.valueJson = JSON.stringify(value);
        return this.props.record.update({ [this.props.name]: value });
    }

    onAutoArrange() {
        // laid out on the plain graph (no reactive bookkeeping per position),
        // then drawn in one render
        const graph = toRaw(this.model.graph);
        autoArrange(graph);
        this.model.graph = { ...graph };
        // fitted in the same tick: the new positions and the new view are
        // drawn in one render (not the nodes, then all of them again)
        this.canvasApi?.fit();
        this.onChange();
    }

    registerApi(api) {
        this.canvasApi = api;
    }

    /** Step settings in Odoo's own step form (domain editor, many2one,
     * template pickers). A step not saved yet is saved first, with the
     * workflow. */
    async onEditStep(id) {
        const record = this.props.record;
        let step = getStep(this.model.graph, id);
        if (!step) {
            return;
        }
        await this.flush();
        if (typeof id !== "number" || record.isNew || record.dirty) {
            const where = { x: step.x, y: step.y, name: step.name, kind: step.kind };
            const saved = await record.save();
            if (!saved) {
                return;
            }
            this.sync();
            step = this.model.graph.steps.find(
                (s) => s.x === where.x && s.y === where.y && s.name === where.name && s.kind === where.kind
            );
            if (!step) {
                return;
            }
            this.model.selected = { type: "node", id: step.id };
        }
        this.dialog.add(FormViewDialog, {
            resModel: "crm.workflow.step",
            resId: step.id,
            title: _t("Step: %(name)s", { name: step.name }),
            context: { default_workflow_id: record.resId },
            onRecordSaved: async () => {
                await record.load();
                this.sync();
            },
        });
    }

    onOpenRuns(id, bucket) {
        const states = { waiting: ["running", "waiting"], done: ["done"], failed: ["failed"] }[bucket];
        const step = getStep(this.model.graph, id);
        return this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("Runs at %(step)s", { step: step?.name || "" }),
            res_model: "crm.workflow.run",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain: [
                ["workflow_id", "=", this.props.record.resId],
                ["step_id", "=", id],
                ["state", "in", states],
            ],
            context: { create: false },
        });
    }
}

export const workflowBuilderField = {
    component: WorkflowBuilderField,
    displayName: _t("Workflow diagram"),
    supportedTypes: ["json"],
    fieldDependencies: [
        { name: "trigger", type: "selection" },
        { name: "model_id", type: "many2one", relation: "ir.model" },
    ],
};

registry.category("fields").add("crm_workflow_builder", workflowBuilderField);
