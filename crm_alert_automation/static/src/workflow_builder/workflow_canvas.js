/** @odoo-module **/
// Copyright 2026 crm_alert_automation authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {
    Component,
    onMounted,
    onWillRender,
    toRaw,
    useExternalListener,
    useRef,
    useState,
} from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

import {
    addStep,
    bounds,
    connect,
    disconnect,
    edgeGeometry,
    edgeKey,
    edgeNear,
    edges,
    getStep,
    handleOffset,
    insertOnEdge,
    KIND_ICONS,
    kindLabel,
    moveStep,
    NODE_HEIGHT,
    NODE_WIDTH,
    outcomeLabel,
    outcomesOf,
    paletteItems,
    problemCount,
    removeStep,
    TRIGGER,
    validate,
} from "./graph_model";

const DRAG_THRESHOLD = 3;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 2;

/**
 * The diagram: nodes, SVG edges, palette, pan / zoom / fit, and the edits
 * (drop, move, connect, delete). ``model`` is a reactive {graph, selected};
 * every finished edit calls ``onChange``.
 */
export class WorkflowCanvas extends Component {
    static template = "crm_alert_automation.WorkflowCanvas";
    static props = {
        model: Object,
        readonly: { type: Boolean, optional: true },
        small: { type: Boolean, optional: true },
        onChange: { type: Function, optional: true },
        onEditStep: { type: Function, optional: true },
        onOpenRuns: { type: Function, optional: true },
        onAutoArrange: { type: Function, optional: true },
        registerApi: { type: Function, optional: true },
    };
    static defaultProps = {
        readonly: false,
        small: false,
        onChange: () => {},
        onEditStep: () => {},
        onOpenRuns: () => {},
    };

    setup() {
        this.model = useState(this.props.model);
        this.view = useState({ x: 40, y: 20, zoom: 1 });
        this.drag = useState({ kind: null });
        this.canvasRef = useRef("canvas");
        this.NODE_WIDTH = NODE_WIDTH;
        this.NODE_HEIGHT = NODE_HEIGHT;
        this.KIND_ICONS = KIND_ICONS;
        this.palette = paletteItems();
        useExternalListener(window, "pointermove", this.onPointerMove);
        useExternalListener(window, "pointerup", this.onPointerUp);
        // computed once per render: nodes ask for their problems many times
        // on the plain graph: the template's own reads subscribe to changes
        onWillRender(() => {
            const graph = toRaw(this.graph);
            this.renderProblems = validate(graph);
            this.renderEdges = edges(graph).map((edge) => ({
                ...edge,
                key: edgeKey(edge),
                geometry: edgeGeometry(graph, edge),
            }));
        });
        onMounted(() => this.fit());
        if (this.props.registerApi) {
            this.props.registerApi({ fit: () => this.fit() });
        }
    }

    // -- what is drawn -----------------------------------------------------
    get graph() {
        return this.model.graph;
    }
    get edges() {
        return this.renderEdges;
    }
    get problems() {
        return this.renderProblems || validate(this.graph);
    }
    get worldStyle() {
        const { x, y, zoom } = this.view;
        return `transform: translate(${x}px, ${y}px) scale(${zoom});`;
    }
    get selectedStep() {
        const sel = this.model.selected;
        return sel && sel.type === "node" && sel.id !== TRIGGER ? getStep(this.graph, sel.id) : null;
    }
    get selectedEdge() {
        const sel = this.model.selected;
        return sel && sel.type === "edge" ? sel : null;
    }
    get tempLine() {
        if (this.drag.kind !== "connect" || !this.drag.current) {
            return null;
        }
        const { sx, sy } = this.drag;
        const { x, y } = this.drag.current;
        return `M ${sx} ${sy} L ${x} ${y}`;
    }
    nodeStyle(node) {
        return `left: ${node.x}px; top: ${node.y}px; width: ${NODE_WIDTH}px; height: ${NODE_HEIGHT}px;`;
    }
    nodeProblems(id) {
        return this.problems[String(id)] || this.problems[id] || [];
    }
    nodeLevel(id) {
        const problems = this.nodeProblems(id);
        if (problems.some((p) => p.level === "error")) {
            return "error";
        }
        return problems.length ? "warning" : "";
    }
    problemTitle(id) {
        return this.nodeProblems(id)
            .map((p) => p.message)
            .join("\n");
    }
    handles(step) {
        return outcomesOf(step).map((outcome) => {
            const offset = handleOffset(step, outcome);
            return {
                outcome,
                label: outcomeLabel(step.kind, outcome),
                left: offset.x,
                connected: Boolean(step[outcome]),
                warning: this.nodeProblems(step.id).some((p) => p.code === `unconnected_${outcome}`),
            };
        });
    }
    kindLabel(kind) {
        return kindLabel(kind);
    }
    isSelected(id) {
        const sel = this.model.selected;
        return Boolean(sel && sel.type === "node" && sel.id === id);
    }
    isEdgeSelected(key) {
        const sel = this.model.selected;
        return Boolean(sel && sel.type === "edge" && sel.key === key);
    }
    get dropEdgeKey() {
        return this.drag.kind === "palette" && this.drag.edge ? edgeKey(this.drag.edge) : null;
    }
    get errorTotal() {
        return problemCount(this.problems, "error");
    }
    get warningTotal() {
        return problemCount(this.problems, "warning");
    }

    // -- coordinates ---------------------------------------------------------
    toWorld(clientX, clientY) {
        const rect = this.canvasRef.el.getBoundingClientRect();
        return {
            x: (clientX - rect.left - this.view.x) / this.view.zoom,
            y: (clientY - rect.top - this.view.y) / this.view.zoom,
        };
    }
    insideCanvas(clientX, clientY) {
        const rect = this.canvasRef.el.getBoundingClientRect();
        return (
            clientX >= rect.left &&
            clientX <= rect.right &&
            clientY >= rect.top &&
            clientY <= rect.bottom
        );
    }

    // -- pan, zoom, fit --------------------------------------------------------
    fit() {
        const el = this.canvasRef.el;
        if (!el) {
            return;
        }
        const box = bounds(this.graph);
        const margin = this.props.small ? 10 : 40;
        const width = el.clientWidth || 600;
        const height = el.clientHeight || 400;
        const zoom = Math.max(
            MIN_ZOOM,
            Math.min(
                this.props.small ? 0.6 : 1.2,
                (width - 2 * margin) / box.width,
                (height - 2 * margin) / box.height
            )
        );
        this.view.zoom = zoom;
        this.view.x = (width - box.width * zoom) / 2 - box.x * zoom;
        this.view.y = margin - box.y * zoom;
    }
    zoomBy(factor, clientX, clientY) {
        const rect = this.canvasRef.el.getBoundingClientRect();
        const cx = clientX === undefined ? rect.width / 2 : clientX - rect.left;
        const cy = clientY === undefined ? rect.height / 2 : clientY - rect.top;
        const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.view.zoom * factor));
        const ratio = zoom / this.view.zoom;
        this.view.x = cx - (cx - this.view.x) * ratio;
        this.view.y = cy - (cy - this.view.y) * ratio;
        this.view.zoom = zoom;
    }
    onWheel(ev) {
        if (this.props.small) {
            return;
        }
        ev.preventDefault();
        this.zoomBy(ev.deltaY < 0 ? 1.1 : 1 / 1.1, ev.clientX, ev.clientY);
    }

    // -- pointer: palette, nodes, handles, pan ------------------------------
    onPalettePointerDown(item, ev) {
        if (this.props.readonly) {
            return;
        }
        ev.preventDefault();
        Object.assign(this.drag, {
            kind: "palette",
            item,
            client: { x: ev.clientX, y: ev.clientY },
            edge: null,
        });
    }
    onNodePointerDown(id, ev) {
        if (ev.button || this.props.small) {
            return;
        }
        ev.stopPropagation();
        this.select({ type: "node", id });
        if (this.props.readonly) {
            return;
        }
        const node = id === TRIGGER ? this.graph.trigger : getStep(this.graph, id);
        Object.assign(this.drag, {
            kind: "node",
            id,
            start: { x: ev.clientX, y: ev.clientY },
            origin: { x: node.x, y: node.y },
            moved: false,
        });
    }
    onHandlePointerDown(id, outcome, ev) {
        if (this.props.readonly) {
            return;
        }
        ev.stopPropagation();
        ev.preventDefault();
        let sx, sy;
        if (id === TRIGGER) {
            sx = this.graph.trigger.x + NODE_WIDTH / 2;
            sy = this.graph.trigger.y + NODE_HEIGHT;
        } else {
            const step = getStep(this.graph, id);
            const offset = handleOffset(step, outcome);
            sx = step.x + offset.x;
            sy = step.y + offset.y;
        }
        Object.assign(this.drag, { kind: "connect", id, outcome, sx, sy, current: null });
    }
    onCanvasPointerDown(ev) {
        if (ev.button || this.props.small) {
            return;
        }
        this.canvasRef.el.focus();
        this.select(null);
        Object.assign(this.drag, {
            kind: "pan",
            start: { x: ev.clientX, y: ev.clientY },
            origin: { x: this.view.x, y: this.view.y },
        });
    }
    onPointerMove(ev) {
        const drag = this.drag;
        if (!drag.kind) {
            return;
        }
        if (drag.kind === "pan") {
            this.view.x = drag.origin.x + ev.clientX - drag.start.x;
            this.view.y = drag.origin.y + ev.clientY - drag.start.y;
        } else if (drag.kind === "node") {
            const dx = (ev.clientX - drag.start.x) / this.view.zoom;
            const dy = (ev.clientY - drag.start.y) / this.view.zoom;
            if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) {
                return;
            }
            drag.moved = true;
            moveStep(this.graph, drag.id, drag.origin.x + dx, drag.origin.y + dy);
        } else if (drag.kind === "connect") {
            drag.current = this.toWorld(ev.clientX, ev.clientY);
        } else if (drag.kind === "palette") {
            drag.client = { x: ev.clientX, y: ev.clientY };
            if (this.insideCanvas(ev.clientX, ev.clientY)) {
                const world = this.toWorld(ev.clientX, ev.clientY);
                drag.edge = edgeNear(this.graph, world.x, world.y);
            } else {
                drag.edge = null;
            }
        }
    }
    nodeIdAt(ev) {
        let el = ev.target && ev.target.closest ? ev.target.closest("[data-node-id]") : null;
        if (!el && document.elementsFromPoint) {
            el = document
                .elementsFromPoint(ev.clientX, ev.clientY)
                .find((e) => e.matches && e.matches("[data-node-id]"));
        }
        if (!el) {
            return null;
        }
        const raw = el.dataset.nodeId;
        if (raw === TRIGGER) {
            return TRIGGER;
        }
        const step = this.graph.steps.find((s) => String(s.id) === raw);
        return step ? step.id : null;
    }
    onPointerUp(ev) {
        const drag = this.drag;
        const kind = drag.kind;
        if (!kind) {
            return;
        }
        try {
            if (kind === "node" && drag.moved) {
                this.props.onChange();
            } else if (kind === "connect") {
                const target = this.nodeIdAt(ev);
                if (target && target !== TRIGGER && connect(this.graph, drag.id, drag.outcome, target)) {
                    this.select({
                        type: "edge",
                        from: drag.id,
                        outcome: drag.outcome,
                        key: `${drag.id}:${drag.id === TRIGGER ? "start" : drag.outcome}`,
                    });
                    this.props.onChange();
                }
            } else if (kind === "palette" && this.insideCanvas(ev.clientX, ev.clientY)) {
                const world = this.toWorld(ev.clientX, ev.clientY);
                const edge = edgeNear(this.graph, world.x, world.y);
                const x = world.x - NODE_WIDTH / 2;
                const y = world.y - NODE_HEIGHT / 2;
                const step = edge
                    ? insertOnEdge(this.graph, edge, drag.item, x, y)
                    : addStep(this.graph, drag.item, x, y);
                this.select({ type: "node", id: step.id });
                this.props.onChange();
            }
        } finally {
            Object.assign(this.drag, { kind: null, edge: null, current: null, item: null });
        }
    }

    // -- selection, keyboard ---------------------------------------------------
    select(selection) {
        this.model.selected = selection;
    }
    onNodeFocus(id) {
        if (!this.isSelected(id)) {
            this.select({ type: "node", id });
        }
    }
    onEdgeClick(edge, ev) {
        ev.stopPropagation();
        this.select({ type: "edge", from: edge.from, outcome: edge.outcome, key: edge.key });
        this.canvasRef.el.focus();
    }
    deleteSelection() {
        if (this.props.readonly) {
            return;
        }
        const sel = this.model.selected;
        if (!sel) {
            return;
        }
        if (sel.type === "node" && sel.id !== TRIGGER) {
            removeStep(this.graph, sel.id);
        } else if (sel.type === "edge") {
            disconnect(this.graph, sel.from, sel.outcome);
        } else {
            return;
        }
        this.select(null);
        this.props.onChange();
        this.canvasRef.el?.focus();
    }
    onKeydown(ev) {
        if (this.props.small || ["INPUT", "TEXTAREA", "SELECT"].includes(ev.target.tagName)) {
            return;
        }
        const sel = this.model.selected;
        const key = ev.key;
        if (key === "Delete" || key === "Backspace") {
            ev.preventDefault();
            this.deleteSelection();
            return;
        }
        if (key === "Escape") {
            this.select(null);
            return;
        }
        if (key === "Enter" && sel && sel.type === "node" && sel.id !== TRIGGER) {
            ev.preventDefault();
            this.props.onEditStep(sel.id);
            return;
        }
        const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
        if (moves[key] && sel && sel.type === "node" && !this.props.readonly) {
            ev.preventDefault();
            const step = sel.id === TRIGGER ? this.graph.trigger : getStep(this.graph, sel.id);
            const distance = ev.shiftKey ? 50 : 10;
            moveStep(this.graph, sel.id, step.x + moves[key][0] * distance, step.y + moves[key][1] * distance);
            this.props.onChange();
        }
    }
    renameSelected(ev) {
        const step = this.selectedStep;
        const name = ev.target.value.trim();
        if (step && name && name !== step.name) {
            step.name = name;
            this.props.onChange();
        }
    }
    openRuns(id, bucket, ev) {
        ev.stopPropagation();
        this.props.onOpenRuns(id, bucket);
    }
    get labels() {
        return {
            zoomIn: _t("Zoom in"),
            zoomOut: _t("Zoom out"),
            fit: _t("Fit to screen"),
            arrange: _t("Auto-arrange"),
            delete: _t("Delete"),
            waiting: _t("Waiting here"),
            done: _t("Done here"),
            failed: _t("Failed here"),
            handle: _t("Drag to a step to connect"),
        };
    }
}
