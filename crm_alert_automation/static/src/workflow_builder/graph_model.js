/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The workflow diagram as plain data, and every edit the builder makes to it
 * (no DOM, no server: tested on its own in static/tests/workflow_builder.test.js).
 *
 * A graph: { trigger: {label, model, x, y}, first: stepId|false,
 *            steps: [{id, kind, action_kind, name, summary, x, y,
 *                     next, no, timeout, cancel, timeout_enabled, counts}],
 *            problems: [{step, level, code, message}] (the server's, as loaded),
 *            live: bool }
 * A step's id is the record's id, or "new_N" for a step not saved yet.
 */
import { _t } from "@web/core/l10n/translation";

export const TRIGGER = "trigger";
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 96;
export const OUTCOMES = ["next", "no", "timeout", "cancel"];
export const KIND_OUTCOMES = {
    condition: ["next", "no"],
    action: ["next"],
    wait: ["next"],
    human: ["next", "timeout", "cancel"],
    end: [],
};
export const KIND_ICONS = {
    trigger: "fa-bolt",
    condition: "fa-code-fork",
    action: "fa-paper-plane",
    wait: "fa-hourglass-half",
    human: "fa-user",
    end: "fa-stop-circle",
};
// problems the client recomputes itself after each edit
const STRUCTURAL = new Set([
    "unreachable",
    "unconnected_next",
    "unconnected_no",
    "unconnected_timeout",
    "empty",
]);

export function kindLabel(kind) {
    return {
        condition: _t("Condition"),
        action: _t("Action"),
        wait: _t("Wait"),
        human: _t("Human Step"),
        end: _t("End"),
    }[kind];
}

export function outcomeLabel(kind, outcome) {
    if (outcome === "start") {
        return _t("start");
    }
    if (outcome === "next") {
        return kind === "condition" ? _t("yes") : _t("done");
    }
    return { no: _t("no"), timeout: _t("timeout"), cancel: _t("cancelled") }[outcome];
}

/** The palette: what can be dragged onto the canvas. */
export function paletteItems() {
    return [
        { key: "condition", kind: "condition", name: _t("Condition"), icon: KIND_ICONS.condition },
        {
            key: "message",
            kind: "action",
            action_kind: "message",
            name: _t("Send a message"),
            icon: "fa-envelope",
        },
        {
            key: "activity",
            kind: "action",
            action_kind: "activity",
            name: _t("Create an activity"),
            icon: "fa-tasks",
        },
        {
            key: "update",
            kind: "action",
            action_kind: "update",
            name: _t("Update a field"),
            icon: "fa-pencil",
        },
        { key: "wait", kind: "wait", name: _t("Wait"), icon: KIND_ICONS.wait },
        { key: "human", kind: "human", name: _t("Human step"), icon: KIND_ICONS.human },
        { key: "end", kind: "end", name: _t("End"), icon: KIND_ICONS.end },
    ];
}

function emptyCounts() {
    return { waiting: 0, done: 0, failed: 0 };
}

/** What a step has before the server or the palette says more. */
function stepDefaults() {
    return {
        summary: "",
        x: 0,
        y: 0,
        next: false,
        no: false,
        timeout: false,
        cancel: false,
        timeout_enabled: false,
    };
}

/** A graph from the field's value (a deep copy: edits never touch the value). */
export function fromValue(value) {
    const v = value || {};
    const graph = {
        trigger: { label: "", model: "", x: 0, y: 0, ...(v.trigger || {}) },
        first: v.first || false,
        steps: (v.steps || []).map((s) => ({
            ...stepDefaults(),
            ...s,
            counts: { ...emptyCounts(), ...(s.counts || {}) },
        })),
        problems: (v.problems || []).map((p) => ({ ...p })),
        live: Boolean(v.live),
        seq: v.seq || 0,
    };
    return graph;
}

/** The field's value for a graph: what the server's inverse reads, plus
 * what the canvas draws until the server recomputes it. */
export function toValue(graph) {
    return JSON.parse(JSON.stringify(graph));
}

export function getStep(graph, id) {
    return graph.steps.find((s) => s.id === id);
}

export function outcomesOf(step) {
    return KIND_OUTCOMES[step.kind] || [];
}

/** Edges: {from, outcome, to, label}; the trigger's edge goes to the first step. */
export function edges(graph) {
    const result = [];
    if (graph.first && getStep(graph, graph.first)) {
        result.push({ from: TRIGGER, outcome: "start", to: graph.first, label: outcomeLabel(null, "start") });
    }
    const ids = new Set(graph.steps.map((s) => s.id));
    for (const step of graph.steps) {
        for (const outcome of outcomesOf(step)) {
            if (step[outcome] && ids.has(step[outcome])) {
                result.push({
                    from: step.id,
                    outcome,
                    to: step[outcome],
                    label: outcomeLabel(step.kind, outcome),
                });
            }
        }
    }
    return result;
}

export function edgeKey(edge) {
    return `${edge.from}:${edge.outcome}`;
}

/** Add a step of the palette's ``item`` at (x, y); the first step of an
 * empty workflow is the one the trigger leads to. Returns the new step. */
export function addStep(graph, item, x = 0, y = 0) {
    graph.seq = (graph.seq || 0) + 1;
    let id = `new_${graph.seq}`;
    while (getStep(graph, id)) {
        graph.seq++;
        id = `new_${graph.seq}`;
    }
    const step = {
        ...stepDefaults(),
        id,
        kind: item.kind,
        action_kind: item.action_kind || (item.kind === "action" ? "message" : false),
        name: item.name || kindLabel(item.kind),
        x: Math.round(x),
        y: Math.round(y),
        counts: emptyCounts(),
    };
    graph.steps.push(step);
    if (!graph.first) {
        graph.first = id;
    }
    return step;
}

/** Insert a new step on ``edge`` (from its source's outcome to its target):
 * the source's outcome leads to the new step, whose first outcome leads on
 * to the old target. */
export function insertOnEdge(graph, edge, item, x, y) {
    const target = edge.to;
    const step = addStep(graph, item, x, y);
    if (edge.from === TRIGGER) {
        graph.first = step.id;
    } else {
        getStep(graph, edge.from)[edge.outcome] = step.id;
    }
    const outcomes = outcomesOf(step);
    if (outcomes.length) {
        step[outcomes[0]] = target;
    }
    return step;
}

/** Connect ``outcome`` of step ``from`` (or the trigger) to step ``to``.
 * Returns false when it cannot be (a step to itself, an outcome it lacks). */
export function connect(graph, from, outcome, to) {
    const target = getStep(graph, to);
    if (!target) {
        return false;
    }
    if (from === TRIGGER) {
        graph.first = to;
        return true;
    }
    const source = getStep(graph, from);
    if (!source || from === to || !outcomesOf(source).includes(outcome)) {
        return false;
    }
    source[outcome] = to;
    return true;
}

export function disconnect(graph, from, outcome) {
    if (from === TRIGGER) {
        graph.first = false;
        return;
    }
    const source = getStep(graph, from);
    if (source) {
        source[outcome] = false;
    }
}

/** Delete a step and every edge to it; when it was the first step, its
 * first connected outcome becomes the first step. */
export function removeStep(graph, id) {
    const step = getStep(graph, id);
    if (!step) {
        return;
    }
    graph.steps = graph.steps.filter((s) => s.id !== id);
    for (const other of graph.steps) {
        for (const outcome of OUTCOMES) {
            if (other[outcome] === id) {
                other[outcome] = false;
            }
        }
    }
    if (graph.first === id) {
        const next = outcomesOf(step)
            .map((o) => step[o])
            .find((target) => target && getStep(graph, target));
        graph.first = next || false;
    }
    graph.problems = graph.problems.filter((p) => p.step !== id);
}

export function moveStep(graph, id, x, y) {
    const node = id === TRIGGER ? graph.trigger : getStep(graph, id);
    if (node) {
        node.x = Math.round(x);
        node.y = Math.round(y);
    }
}

export function reachable(graph) {
    const seen = new Set();
    const queue = graph.first && getStep(graph, graph.first) ? [graph.first] : [];
    while (queue.length) {
        const id = queue.shift();
        if (seen.has(id)) {
            continue;
        }
        seen.add(id);
        const step = getStep(graph, id);
        for (const outcome of outcomesOf(step)) {
            if (step[outcome] && !seen.has(step[outcome]) && getStep(graph, step[outcome])) {
                queue.push(step[outcome]);
            }
        }
    }
    return seen;
}

/**
 * Problems per node: {[stepId | "trigger"]: [{level, code, message}]}.
 * Structure (unreachable steps, unconnected outcomes, no step) is
 * recomputed here; a step's settings problems are the server's, kept while
 * the step exists.
 */
export function validate(graph) {
    const byNode = {};
    const add = (id, level, code, message) => {
        (byNode[id] ||= []).push({ level, code, message });
    };
    if (!graph.steps.length) {
        add(TRIGGER, "error", "empty", _t("The workflow has no step."));
    }
    for (const problem of graph.problems || []) {
        if (problem.step && !STRUCTURAL.has(problem.code) && getStep(graph, problem.step)) {
            add(problem.step, problem.level, problem.code, problem.message);
        }
    }
    const reached = reachable(graph);
    for (const step of graph.steps) {
        if (!reached.has(step.id)) {
            add(step.id, "error", "unreachable", _t("No run can reach this step."));
        }
        for (const outcome of outcomesOf(step)) {
            if (step[outcome] || outcome === "cancel") {
                continue;
            }
            if (outcome === "timeout" && !step.timeout_enabled) {
                continue;
            }
            add(
                step.id,
                "warning",
                `unconnected_${outcome}`,
                _t("Outcome “%(outcome)s” is not connected: the run ends there.", {
                    outcome: outcomeLabel(step.kind, outcome),
                })
            );
        }
    }
    return byNode;
}

/** How many problems of ``level`` (error / warning) ``validate`` found. */
export function problemCount(problems, level = "error") {
    return Object.values(problems)
        .flat()
        .filter((p) => p.level === level).length;
}

/** Where a step's outcome handle sits, relative to the node's top left. */
export function handleOffset(step, outcome) {
    const outcomes = outcomesOf(step);
    const index = outcomes.indexOf(outcome);
    return { x: (NODE_WIDTH * (index + 1)) / (outcomes.length + 1), y: NODE_HEIGHT };
}

/** The path of an edge from its handle to the top middle of its target. */
export function edgeGeometry(graph, edge) {
    const target = getStep(graph, edge.to);
    let sx, sy;
    if (edge.from === TRIGGER) {
        sx = graph.trigger.x + NODE_WIDTH / 2;
        sy = graph.trigger.y + NODE_HEIGHT;
    } else {
        const source = getStep(graph, edge.from);
        const offset = handleOffset(source, edge.outcome);
        sx = source.x + offset.x;
        sy = source.y + offset.y;
    }
    const tx = target.x + NODE_WIDTH / 2;
    const ty = target.y;
    const bend = Math.max(40, Math.abs(ty - sy) / 2);
    const path = `M ${sx} ${sy} C ${sx} ${sy + bend}, ${tx} ${ty - bend}, ${tx} ${ty}`;
    // the bezier's middle point, where the label sits
    const mx = (sx + tx) / 2;
    const my = (sy + ty) / 2;
    return { path, sx, sy, tx, ty, mx, my };
}

/** The edge whose label (middle) is nearest to (x, y), within ``radius``. */
export function edgeNear(graph, x, y, radius = 40) {
    let best = null;
    let bestDistance = radius;
    for (const edge of edges(graph)) {
        const { mx, my } = edgeGeometry(graph, edge);
        const distance = Math.hypot(mx - x, my - y);
        if (distance <= bestDistance) {
            best = edge;
            bestDistance = distance;
        }
    }
    return best;
}

/** The bounding box of every node, trigger included. */
export function bounds(graph) {
    const nodes = [graph.trigger, ...graph.steps];
    const xs = nodes.map((n) => n.x);
    const ys = nodes.map((n) => n.y);
    const minX = Math.min(...xs);
    const minY = Math.min(...ys);
    return {
        x: minX,
        y: minY,
        width: Math.max(...xs) - minX + NODE_WIDTH,
        height: Math.max(...ys) - minY + NODE_HEIGHT,
    };
}

/** True when no node has a position yet (a workflow made before the builder). */
export function needsLayout(graph) {
    const nodes = [graph.trigger, ...graph.steps];
    const seen = new Set(nodes.map((n) => `${n.x},${n.y}`));
    return graph.steps.length > 0 && seen.size < nodes.length;
}
