/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillStart, reactive, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

import { fromValue, needsLayout } from "./graph_model";
import { autoArrange } from "./layout";
import { many2oneName } from "./workflow_builder_field";
import { WorkflowCanvas } from "./workflow_canvas";

/** New Workflow from Template: the templates as small diagrams to pick from. */
export class WorkflowTemplatePicker extends Component {
    static template = "crm_alert_automation.WorkflowTemplatePicker";
    static components = { WorkflowCanvas };
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ templates: [] });
        onWillStart(async () => {
            const templates = await this.orm.searchRead(
                "crm.workflow",
                [["is_template", "=", true]],
                ["name", "description", "builder_graph", "model_id"],
                { context: { active_test: false } }
            );
            this.state.templates = templates.map((t) => {
                const graph = fromValue(t.builder_graph);
                if (needsLayout(graph)) {
                    autoArrange(graph);
                }
                return {
                    id: t.id,
                    name: t.name,
                    modelName: many2oneName(t.model_id),
                    model: reactive({ graph, selected: null }),
                };
            });
        });
    }

    get selectedId() {
        const value = this.props.record.data[this.props.name];
        return Array.isArray(value) ? value[0] : value?.id;
    }

    pick(template) {
        if (this.props.readonly) {
            return;
        }
        return this.props.record.update({ [this.props.name]: [template.id, template.name] });
    }
}

export const workflowTemplatePicker = {
    component: WorkflowTemplatePicker,
    displayName: _t("Workflow templates"),
    supportedTypes: ["many2one"],
};

registry.category("fields").add("crm_workflow_template_picker", workflowTemplatePicker);
