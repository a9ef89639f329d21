/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { layoutTimings } from "@crm_alert_automation/workflow_builder/layout";

const node = (name) => `.o_crm_wf_node[data-name='${name}']`;
const handle = (name, outcome) => `${node(name)} .o_crm_wf_handle[data-outcome='${outcome}']`;

function dropFromPalette(key, top, left) {
    return {
        content: `Drag "${key}" from the palette onto the canvas`,
        trigger: `.o_crm_wf_palette_item[data-palette='${key}']`,
        async run(helpers) {
            await helpers.drag_and_drop(".o_crm_wf_canvas", {
                position: { top, left },
                relative: true,
            });
        },
    };
}

function connectHandle(from, outcome, to) {
    return {
        content: `Connect ${from} (${outcome}) to ${to}`,
        trigger: handle(from, outcome),
        run: `drag_and_drop ${node(to)}`,
    };
}

function editStep(name) {
    return [
        { content: `Select ${name}`, trigger: node(name), run: "click" },
        { content: "Open its settings", trigger: ".o_crm_wf_edit_step", run: "click" },
        { trigger: ".modal .o_form_view .o_field_widget[name='kind']" },
    ];
}

function pick(field, text, item) {
    return [
        {
            content: `${field}: ${text}`,
            trigger: `.modal .o_field_widget[name='${field}'] input`,
            run: `edit ${text}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains(${item || text})`,
            run: "click",
        },
    ];
}

const saveStep = [
    { content: "Save the step", trigger: ".modal .o_form_button_save", run: "click" },
    { trigger: "body:not(:has(.modal))" },
];

/**
 * The seed's second template built by hand on an empty workflow (Activity,
 * Record created): remind the team → wait 10 minutes → if Type = Meeting →
 * review task; then reloaded, activated, and a record run through it.
 */
registry.category("web_tour.tours").add("crm_workflow_builder_tour", {
    steps: () => [
        {
            content: "The empty workflow opens on its diagram: only the trigger",
            trigger: ".o_crm_wf_trigger:contains(Record created):contains(Activity)",
        },
        { trigger: ".o_crm_wf_canvas:not(:has(.o_crm_wf_node[data-kind]))" },
        dropFromPalette("message", 150, 120),
        { trigger: `${node("Send a message")}` },
        dropFromPalette("wait", 260, 120),
        { trigger: `${node("Wait")}` },
        dropFromPalette("condition", 370, 120),
        { trigger: `${node("Condition")}` },
        dropFromPalette("activity", 480, 120),
        { trigger: `${node("Create an activity")}` },
        {
            content: "The first step dropped follows the trigger",
            trigger: ".o_crm_wf_edge[data-edge^='trigger:start']",
        },
        connectHandle("Send a message", "next", "Wait"),
        { trigger: ".o_crm_wf_edge:contains(done)" },
        connectHandle("Wait", "next", "Condition"),
        connectHandle("Condition", "next", "Create an activity"),
        {
            content: "Four edges, labelled with their outcomes",
            trigger: ".o_crm_wf_edges:has(.o_crm_wf_edge:eq(3)):contains(yes)",
        },
        { content: "Auto-arrange", trigger: ".o_crm_wf_arrange", run: "click" },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        // the wait: 10 minutes
        ...editStep("Wait"),
        {
            trigger: ".modal .o_field_widget[name='wait_amount'] input",
            run: "edit 10",
        },
        {
            trigger: ".modal .o_field_widget[name='wait_unit'] select",
            run: 'select "minutes"',
        },
        ...saveStep,
        { trigger: `${node("Wait")} .o_crm_wf_summary:contains(Wait 10 minutes)` },
        // the condition: Type = Meeting, in Odoo's domain editor
        ...editStep("Condition"),
        {
            trigger: ".modal .o_field_widget[name='condition_domain'] .o_field_domain_dialog_button",
            run: "click",
        },
        {
            trigger: ".modal .o_domain_selector_debug_container textarea",
            run: "edit [('activity_type_id.category', '=', 'meeting')] && press Tab",
        },
        { trigger: ".modal:last .modal-footer .btn-primary", run: "click" },
        ...saveStep,
        {
            trigger: `${node("Condition")} .o_crm_wf_summary:contains(Meeting)`,
        },
        // the reminder: the template and who receives it
        ...editStep("Send a message"),
        ...pick("msg_mail_template_id", "New task reminder", "Workflow: New task reminder"),
        ...pick("msg_recipient_field_id", "Assigned Contact"),
        ...saveStep,
        // the review task
        ...editStep("Create an activity"),
        ...pick("activity_type_id", "To-Do"),
        ...saveStep,
        {
            content: "No problem left (the unconnected outcomes end the run)",
            trigger: ".o_crm_wf_status:not(:has(.o_crm_wf_error_total))",
        },
        { content: "Activate", trigger: "button[name='action_activate']", run: "click" },
        { trigger: "button[name='action_deactivate']" },
        {
            content: "Reload the page",
            trigger: ".o_crm_wf_counts",
            run() {
                window.location.reload();
            },
        },
        {
            content: "The same diagram after the reload",
            trigger: ".o_crm_wf_edges:has(.o_crm_wf_edge:eq(3)):not(:has(.o_crm_wf_edge:eq(4)))",
        },
        { trigger: `${node("Wait")} .o_crm_wf_summary:contains(Wait 10 minutes)` },
        { trigger: `${node("Condition")} .o_crm_wf_summary:contains(Meeting)` },
        { trigger: `${node("Wait")} .o_crm_wf_count_waiting:contains(0)` },
        {
            content: "A task is created on a deal: a run starts",
            trigger: ".o_crm_wf_builder",
            async run() {
                const [lead] = await rpc("/web/dataset/call_kw/crm.lead/search_read", {
                    model: "crm.lead",
                    method: "search_read",
                    args: [[["name", "=", "Builder Tour Deal"]], ["id"]],
                    kwargs: {},
                });
                const [model] = await rpc("/web/dataset/call_kw/ir.model/search_read", {
                    model: "ir.model",
                    method: "search_read",
                    args: [[["model", "=", "crm.lead"]], ["id"]],
                    kwargs: {},
                });
                await rpc("/web/dataset/call_kw/mail.activity/create", {
                    model: "mail.activity",
                    method: "create",
                    args: [
                        {
                            res_model_id: model.id,
                            res_id: lead.id,
                            summary: "Call the customer",
                        },
                    ],
                    kwargs: {},
                });
                window.location.reload();
            },
        },
        {
            content: "The run waits at the wait: the count moved",
            trigger: `${node("Wait")} .o_crm_wf_count_waiting:contains(1)`,
            run: "click",
        },
        {
            content: "Its runs open",
            trigger: ".o_list_view .o_data_row:contains(Call the customer)",
        },
    ],
});

/** New Workflow from Template: the templates as small diagrams. */
registry.category("web_tour.tours").add("crm_workflow_from_template_tour", {
    steps: () => [
        {
            content: "The templates are drawn as small diagrams",
            trigger: ".o_crm_wf_template_card[data-name*='meeting review'] .o_crm_wf_small .o_crm_wf_node[data-kind='wait']",
            run: "click",
        },
        { trigger: ".o_crm_wf_template_card.o_crm_wf_template_selected[data-name*='meeting review']" },
        { trigger: ".modal button[name='action_create']", run: "click" },
        // the dialog's small diagrams hold the same nodes: wait for it to close
        { trigger: "body:not(:has(.modal))" },
        {
            content: "The new workflow opens on its diagram",
            trigger: ".o_field_crm_workflow_builder .o_crm_wf_node[data-kind='condition'] .o_crm_wf_summary:contains(Meeting)",
        },
        { trigger: ".o_field_crm_workflow_builder .o_crm_wf_edges:has(.o_crm_wf_edge:eq(3))" },
    ],
});

/** 200 steps: rendered, then auto-arranged, timed. */
registry.category("web_tour.tours").add("crm_workflow_builder_bench_tour", {
    steps: () => [
        { trigger: ".o_crm_wf_node[data-name='Step 200']" },
        {
            content: "Auto-arrange 200 steps and render them",
            trigger: ".o_crm_wf_arrange",
            async run() {
                const first = document.querySelector(".o_crm_wf_node[data-name='Step 1']");
                const before = first.style.cssText;
                const start = performance.now();
                document.querySelector(".o_crm_wf_arrange").click();
                // wait until OWL has painted the new positions
                while (first.style.cssText === before && performance.now() - start < 5000) {
                    await new Promise((resolve) => requestAnimationFrame(resolve));
                }
                const layoutMs = layoutTimings.last;
                const ms = performance.now() - start;
                const nodes = document.querySelectorAll(".o_crm_wf_node[data-kind]").length;
                // read by the Python test (test_bench_200_steps), which prints and bounds it
                console.info(
                    `crm_workflow_builder_bench: ${nodes} steps arranged and rendered in ${ms.toFixed(1)} ms (layout ${layoutMs.toFixed(1)} ms)`
                );
            },
        },
        { content: "Save the positions", trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});

/**
 * The keyboard and a drop on an edge: First → Second, and a Spare step.
 * A Wait dropped on the First → Second connection goes between them; Second
 * is moved with the arrow keys (20 px right, 10 px down); Spare is deleted
 * with the Delete key; the diagram is saved.
 */
registry.category("web_tour.tours").add("crm_workflow_builder_keyboard_tour", {
    steps: () => [
        { trigger: `${node("Spare")}` },
        { trigger: ".o_crm_wf_edge[data-outcome='next'] .o_crm_wf_edge_label" },
        {
            content: "Drop a Wait on the label of the First → Second connection",
            trigger: ".o_crm_wf_palette_item[data-palette='wait']",
            async run(helpers) {
                const first = document.querySelector(node("First")).dataset.nodeId;
                const label = document.querySelector(
                    `.o_crm_wf_edge[data-edge='${first}:next'] .o_crm_wf_edge_label rect`
                );
                const canvas = document.querySelector(".o_crm_wf_canvas").getBoundingClientRect();
                const box = label.getBoundingClientRect();
                await helpers.drag_and_drop(".o_crm_wf_canvas", {
                    position: {
                        top: box.top + box.height / 2 - canvas.top,
                        left: box.left + box.width / 2 - canvas.left,
                    },
                    relative: true,
                });
            },
        },
        {
            content: "The Wait sits between First and Second: three connections in a row",
            trigger: `${node("Wait")}.o_crm_wf_selected`,
            run() {
                const id = (name) => document.querySelector(node(name)).dataset.nodeId;
                const edges = [...document.querySelectorAll(".o_crm_wf_edge")].map(
                    (el) => el.dataset.edge
                );
                for (const key of [`${id("First")}:next`, `${id("Wait")}:next`]) {
                    if (!edges.includes(key)) {
                        throw new Error(`no connection ${key} in ${edges.join(", ")}`);
                    }
                }
                if (edges.length !== 3) {
                    throw new Error(`3 connections expected: ${edges.join(", ")}`);
                }
            },
        },
        { content: "Select Second", trigger: node("Second"), run: "click" },
        { trigger: `${node("Second")}.o_crm_wf_selected` },
        {
            content: "Move it with the arrow keys",
            trigger: `${node("Second")}.o_crm_wf_selected`,
            async run(helpers) {
                const el = document.querySelector(node("Second"));
                el.dataset.before = `${el.style.left},${el.style.top}`;
                await helpers.press("ArrowRight");
                await helpers.press("ArrowRight");
                await helpers.press("ArrowDown");
            },
        },
        {
            content: "It moved 20 px right and 10 px down",
            trigger: `${node("Second")}.o_crm_wf_selected`,
            run() {
                const el = document.querySelector(node("Second"));
                const [left, top] = el.dataset.before.split(",").map(parseFloat);
                const moved = [parseFloat(el.style.left) - left, parseFloat(el.style.top) - top];
                if (moved[0] !== 20 || moved[1] !== 10) {
                    throw new Error(`moved by ${moved.join(", ")}`);
                }
            },
        },
        { content: "Select Spare", trigger: node("Spare"), run: "click" },
        { trigger: `${node("Spare")}.o_crm_wf_selected` },
        { content: "Delete it with the Delete key", trigger: node("Spare"), run: "press Delete" },
        { trigger: `.o_crm_wf_canvas:not(:has(${node("Spare")}))` },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
