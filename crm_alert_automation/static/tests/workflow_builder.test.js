// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { beforeEach, describe, expect, test } from "@odoo/hoot";
import { patchTranslations } from "@web/../tests/web_test_helpers";

import {
    addStep,
    connect,
    disconnect,
    edges,
    edgeNear,
    edgeGeometry,
    fromValue,
    insertOnEdge,
    moveStep,
    needsLayout,
    paletteItems,
    removeStep,
    toValue,
    TRIGGER,
    validate,
} from "@crm_alert_automation/workflow_builder/graph_model";
import { autoArrange, overlaps } from "@crm_alert_automation/workflow_builder/layout";

describe.current.tags("desktop");
beforeEach(() => patchTranslations());

const pick = (object, keys) => Object.fromEntries(keys.map((k) => [k, object[k]]));

const item = (key) => paletteItems().find((i) => i.key === key);

/** The seed's second template as the server sends it. */
function todoGraph() {
    return fromValue({
        trigger: { label: "Record created", model: "Activity", x: 0, y: 0 },
        first: 1,
        steps: [
            { id: 1, kind: "action", action_kind: "message", name: "Remind", next: 2 },
            { id: 2, kind: "wait", name: "Wait 10 minutes", next: 3 },
            { id: 3, kind: "condition", name: "Meeting?", next: 4 },
            { id: 4, kind: "action", action_kind: "activity", name: "Review" },
        ],
        problems: [
            { step: 4, level: "error", code: "settings", message: "Activity Type is required." },
            { step: 3, level: "warning", code: "unconnected_no", message: "old" },
        ],
    });
}

function bigGraph(n) {
    const steps = [];
    for (let i = 1; i <= n; i++) {
        const kind = i % 5 === 0 ? "condition" : "action";
        steps.push({
            id: i,
            kind,
            action_kind: "update",
            name: `Step ${i}`,
            next: i < n ? i + 1 : false,
            no: kind === "condition" && i + 3 <= n ? i + 3 : false,
        });
    }
    return fromValue({ trigger: { label: "Record created" }, first: 1, steps });
}

describe("crm_workflow_graph", () => {
    test("builds nodes and labelled edges from the server's value, trigger first", () => {
        const graph = todoGraph();
        expect(edges(graph).map((e) => [e.from, e.outcome, e.to, e.label])).toEqual([
            [TRIGGER, "start", 1, "start"],
            [1, "next", 2, "done"],
            [2, "next", 3, "done"],
            [3, "next", 4, "yes"],
        ]);
        // the value is copied: an edit never touches what the record holds
        const value = { first: 1, steps: [{ id: 1, kind: "end", name: "End" }] };
        moveStep(fromValue(value), 1, 5, 5);
        expect(value.steps[0].x).toBe(undefined);
    });

    test("a first step dropped on an empty workflow follows the trigger", () => {
        const graph = fromValue({ trigger: { label: "Record created" } });
        const step = addStep(graph, item("message"), 10.4, 20.6);
        expect(step.id).toBe("new_1");
        expect(pick(step, ["kind", "action_kind", "x", "y"])).toEqual({
            kind: "action",
            action_kind: "message",
            x: 10,
            y: 21,
        });
        expect(graph.first).toBe("new_1");
        const second = addStep(graph, item("wait"));
        expect(second.id).toBe("new_2");
        expect(graph.first).toBe("new_1");
    });

    test("inserting on an edge splices the new step in", () => {
        const graph = todoGraph();
        const edge = edges(graph).find((e) => e.from === 2);
        const step = insertOnEdge(graph, edge, item("human"), 0, 0);
        expect(graph.steps.find((s) => s.id === 2).next).toBe(step.id);
        expect(step.next).toBe(3);
        const start = edges(graph)[0];
        const end = insertOnEdge(graph, start, item("end"), 0, 0);
        expect(graph.first).toBe(end.id);
        expect(end.next).toBe(false, { message: "an End step has no outcome" });
    });

    test("connects outcomes, never a step to itself nor an outcome it lacks", () => {
        const graph = todoGraph();
        expect(connect(graph, 3, "no", 1)).toBe(true);
        expect(graph.steps[2].no).toBe(1);
        expect(connect(graph, 3, "next", 3)).toBe(false);
        expect(connect(graph, 2, "no", 1)).toBe(false, { message: "a wait has no No" });
        expect(connect(graph, TRIGGER, "start", 2)).toBe(true);
        expect(graph.first).toBe(2);
        disconnect(graph, 3, "no");
        expect(graph.steps[2].no).toBe(false);
        disconnect(graph, TRIGGER, "start");
        expect(graph.first).toBe(false);
    });

    test("deleting a step removes its edges; the first step's successor comes first", () => {
        const graph = todoGraph();
        removeStep(graph, 3);
        expect(graph.steps.map((s) => s.id)).toEqual([1, 2, 4]);
        expect(graph.steps[1].next).toBe(false);
        removeStep(graph, 1);
        expect(graph.first).toBe(2);
        expect(graph.problems.every((p) => p.step !== 3)).toBe(true);
    });

    test("validation: unconnected outcomes, settings, unreachable steps", () => {
        const graph = todoGraph();
        let problems = validate(graph);
        expect(problems[3].map((p) => p.code)).toEqual(["unconnected_no"]);
        expect(problems[3][0].message).toInclude("no");
        expect(problems[4].map((p) => [p.level, p.code])).toEqual([
            ["error", "settings"],
            ["warning", "unconnected_next"],
        ]);
        connect(graph, 3, "no", 4);
        connect(graph, 2, "next", 4); // the condition is cut off
        problems = validate(graph);
        expect(problems[3].map((p) => p.code)).toEqual(["unreachable"]);
        expect(problems[1]).toBe(undefined);
        const empty = validate(fromValue({}));
        expect(empty[TRIGGER].map((p) => p.code)).toEqual(["empty"]);
    });

    test("a step dropped near an edge's label lands on that edge", () => {
        const graph = todoGraph();
        autoArrange(graph);
        const edge = edges(graph)[2];
        const { mx, my } = edgeGeometry(graph, edge);
        expect(pick(edgeNear(graph, mx + 5, my - 5), ["from", "outcome"])).toEqual({
            from: 2,
            outcome: "next",
        });
        expect(edgeNear(graph, mx + 500, my)).toBe(null);
    });

    test("the value written back keeps ids, links and positions", () => {
        const graph = todoGraph();
        addStep(graph, item("end"), 5, 6);
        connect(graph, 3, "no", "new_1");
        const value = toValue(graph);
        expect(pick(value.steps.at(-1), ["id", "kind", "x", "y"])).toEqual({
            id: "new_1",
            kind: "end",
            x: 5,
            y: 6,
        });
        expect(value.steps[2].no).toBe("new_1");
        expect(fromValue(value).seq).toBe(1);
    });
});

describe("crm_workflow_layout", () => {
    test("lays the graph out top-down without overlaps", () => {
        const graph = todoGraph();
        expect(needsLayout(graph)).toBe(true);
        autoArrange(graph);
        expect(needsLayout(graph)).toBe(false);
        expect(overlaps(graph)).toBe(false);
        const ys = [graph.trigger.y, ...graph.steps.map((s) => s.y)];
        expect(ys).toEqual([...ys].sort((a, b) => a - b));
        expect(new Set(ys).size).toBe(5, { message: "one rank each" });
    });

    test("a condition's branches sit side by side", () => {
        const graph = todoGraph();
        addStep(graph, item("end"));
        connect(graph, 3, "no", "new_1");
        autoArrange(graph);
        const [review, end] = [graph.steps[3], graph.steps[4]];
        expect(review.y).toBe(end.y);
        expect(Math.abs(review.x - end.x)).toBeGreaterThan(200);
    });

    test("200 steps are laid out without overlaps", () => {
        const graph = bigGraph(200);
        const start = performance.now();
        autoArrange(graph);
        const ms = performance.now() - start;
        expect(overlaps(graph)).toBe(false);
        // every edge goes down (the graph has no loop): read top-down
        const y = (id) => (id === TRIGGER ? graph.trigger : graph.steps[id - 1]).y;
        expect(edges(graph).every((e) => y(e.to) > y(e.from))).toBe(true);
        expect(ms).toBeLessThan(1000);
    });
});
