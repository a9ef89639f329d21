/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * Auto-arrange: the graph laid out top-down without overlaps by dagre
 * (static/lib/dagre, MIT, the global ``dagre``).
 */
import { edges, NODE_HEIGHT, NODE_WIDTH, TRIGGER } from "./graph_model";

export const RANK_GAP = 70;
export const NODE_GAP = 40;
// above this many nodes dagre's crossing minimisation and its network
// simplex ranking take most of the 300 ms a redraw may take (200 steps: 150
// to 250 ms of CPU, against 26 to 51 ms without them): the ranks come from a
// tight tree and the order from dagre's own first pass (a depth-first walk),
// which keeps a workflow's chains and branches apart
export const LARGE_GRAPH = 60;
/** How long the last layout took (ms), for the bench tour. */
export const layoutTimings = { last: 0 };

/** dagre's initial order (a depth-first walk by rank), without the sweeps
 * that follow it. */
function depthFirstOrder(g) {
    const layers = [];
    const seen = new Set();
    const visit = (v) => {
        if (seen.has(v)) {
            return;
        }
        seen.add(v);
        const node = g.node(v);
        (layers[node.rank] ||= []).push(v);
        for (const w of g.successors(v)) {
            visit(w);
        }
    };
    const leaves = g.nodes().filter((v) => !g.children(v).length);
    leaves.sort((a, b) => g.node(a).rank - g.node(b).rank);
    leaves.forEach(visit);
    for (const layer of layers) {
        layer?.forEach((v, order) => {
            g.node(v).order = order;
        });
    }
}

/** Positions {[id]: {x, y}} (top left corners) for every node, trigger included. */
export function computeLayout(graph) {
    const start = performance.now();
    const dagre = window.dagre;
    const large = graph.steps.length + 1 > LARGE_GRAPH;
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({
        rankdir: "TB",
        nodesep: NODE_GAP,
        ranksep: RANK_GAP,
        marginx: 20,
        marginy: 20,
        ...(large ? { ranker: "tight-tree" } : {}),
    });
    g.setDefaultEdgeLabel(() => ({}));
    g.setNode(TRIGGER, { width: NODE_WIDTH, height: NODE_HEIGHT });
    for (const step of graph.steps) {
        g.setNode(String(step.id), { width: NODE_WIDTH, height: NODE_HEIGHT });
    }
    for (const edge of edges(graph)) {
        // no label slot (it doubles dagre's ranks): the rank gap holds the label
        g.setEdge(String(edge.from), String(edge.to), {}, edge.outcome);
    }
    dagre.layout(g, large ? { customOrder: depthFirstOrder } : {});
    const positions = {};
    positions[TRIGGER] = topLeft(g.node(TRIGGER));
    for (const step of graph.steps) {
        positions[step.id] = topLeft(g.node(String(step.id)));
    }
    layoutTimings.last = performance.now() - start;
    return positions;
}

function topLeft(node) {
    return { x: Math.round(node.x - NODE_WIDTH / 2), y: Math.round(node.y - NODE_HEIGHT / 2) };
}

/** Lay the graph out in place. */
export function autoArrange(graph) {
    const positions = computeLayout(graph);
    graph.trigger.x = positions[TRIGGER].x;
    graph.trigger.y = positions[TRIGGER].y;
    for (const step of graph.steps) {
        step.x = positions[step.id].x;
        step.y = positions[step.id].y;
    }
    return graph;
}

/** True when two nodes overlap (for the tests and the bench). */
export function overlaps(graph) {
    const nodes = [graph.trigger, ...graph.steps];
    for (let i = 0; i < nodes.length; i++) {
        for (let j = i + 1; j < nodes.length; j++) {
            const a = nodes[i];
            const b = nodes[j];
            if (Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT) {
                return true;
            }
        }
    }
    return false;
}
