/**
 * Human-readable views of a plan: the resource tree, the routing table and a Mermaid
 * diagram of edge → ALB → rules → target groups → compute.
 */
import { renderCreationOrder } from "./order";
import type { PlanResult, PlanRule } from "./types";
import { CutinPhase, edgeShape, edgeShares } from "../../lib/cutin";

/** What the views read of the cut-in export (stack.ts CutinState; the phase already validated by the program). */
interface CutinView {
    phase: CutinPhase;
    edgeWeight: number;
    oldOrigin: string | null;
    header: string;
}

/** The cut-in as the program exports it (stack output `cutin`), or undefined without one. */
function cutinOf(plan: PlanResult): CutinView | undefined {
    const c = plan.outputs?.cutin;
    return c && typeof c === "object" && "phase" in c && typeof c.phase === "string" ? (c as CutinView) : undefined;
}

/** The share the continuous deployment policy sends through the staging distribution (weight-based and enabled), else 0. */
function stagingShare(phase: CutinPhase, edgeWeight: number): number {
    const policy = edgeShape(phase).policy;
    return policy?.enabled && policy.traffic === "weight" ? edgeWeight : 0;
}

/** The edge paths and the share of viewer requests each carries (the staging share is a ceiling). */
export function renderEdge(plan: PlanResult): string | undefined {
    const c = cutinOf(plan);
    if (!c) return undefined;
    const shares = edgeShares(c.phase, c.edgeWeight);
    const lines = [`Edge (cut-in phase ${c.phase}):`];
    lines.push(`  ${String(shares.old).padStart(3)}%  primary distribution → old origin ${c.oldOrigin ?? "(retired)"} (Rails, dedicated load balancers)`);
    const ceiling = " (a ceiling: at CloudFront's peaks all go to the primary)";
    const staging = stagingShare(c.phase, c.edgeWeight);
    if (shares.routed === 100 && staging > 0) {
        // Promoting: the primary's own origin is the routed ALB, and the policy still sends its share through the staging distribution.
        lines.push(`  ${String(100 - staging).padStart(3)}%  primary distribution → routed ALB (the routing table below)`);
        lines.push(`  ${String(staging).padStart(3)}%  staging distribution → routed ALB${ceiling}; both paths reach the routed ALB: 100% of viewers`);
    } else {
        const via = c.phase === "promoted" || c.phase === "promoting" || c.phase === "detached" ? "primary distribution" : "staging distribution";
        lines.push(
            `  ${String(shares.routed).padStart(3)}%  ${via} → routed ALB (the routing table below)${shares.routed > 0 && shares.routed < 100 ? ceiling : ""}`,
        );
    }
    if (shares.headerToRouted) lines.push(`         requests with ${c.header} → staging distribution → routed ALB (testers)`);
    return lines.join("\n");
}

function shortType(type: string): string {
    // "aws:lb/listenerRule:ListenerRule" → "aws:lb:ListenerRule"
    const [pkg, mod, cls] = type.split(":");
    return cls ? `${pkg}:${mod.split("/")[0]}:${cls}` : type;
}

export function renderTree(plan: PlanResult): string {
    const children = new Map<string | null, PlanResult["resources"]>();
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : null;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | null, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            const kids = children.get(r.urn)?.length ?? 0;
            const flags = [r.options.protect ? "protected" : "", r.options.ignoreChanges.length ? "ignoreChanges" : ""].filter(Boolean);
            lines.push(`${indent}${r.name}  (${shortType(r.type)}${kids ? `, ${kids} children` : ""})${flags.length ? `  [${flags.join(", ")}]` : ""}`);
            walk(r.urn, `${indent}  `);
        }
    };
    walk(null, "  ");
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    const countLines = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`);
    return [`Resources (${plan.resources.length}):`, ...lines, "", "By type:", ...countLines].join("\n");
}

export function describeMatch(rule: PlanRule): string {
    const parts: string[] = [];
    for (const h of rule.match.headers) parts.push(`${h.name}: ${h.value}`);
    if (rule.match.paths) parts.push(`path ${rule.match.paths.join(" | ")}`);
    if (rule.match.sourceCidrs) parts.push(`from ${rule.match.sourceCidrs.join(", ")}`);
    return parts.join(" AND ");
}

function formatPercent(p: number): string {
    return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

export function describeTargets(rule: PlanRule): string {
    return rule.targets
        .filter((t) => t.weight > 0)
        .map((t) => `${t.side}-${t.color} ${formatPercent(t.percent)} (w${t.weight})`)
        .join(", ");
}

export function renderRouting(plan: PlanResult): string {
    const rows = plan.routing.map((r) => [
        String(r.priority),
        r.name,
        describeMatch(r),
        describeTargets(r),
        r.stickinessSeconds ? `${r.stickinessSeconds}s` : "-",
    ]);
    rows.push(["default", "(listener)", "anything else", "fixed 403", "-"]);
    const header = ["prio", "rule", "matches", "forwards to", "sticky"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cols: string[]) =>
        cols
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return ["Routing (first match wins):", line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The viewer → ALB part of the diagram: one CloudFront, or the cut-in's two edge paths with their shares. */
function mermaidEdge(plan: PlanResult): string[] {
    const c = cutinOf(plan);
    if (!c) return ["  viewer([viewer]) --> cf[CloudFront]", "  cf -->|origin-verify header| alb{{Routed ALB}}"];
    const s = edgeShares(c.phase, c.edgeWeight);
    const out = ['  viewer([viewer]) --> cf["CloudFront primary (cut-in: ' + c.phase + ')"]'];
    if (s.old > 0) out.push(`  cf -->|${s.old}%| old[("old origin: ${c.oldOrigin ?? "retired"}")]`);
    const staging = stagingShare(c.phase, c.edgeWeight);
    if (s.routed === 100 && staging > 0) {
        out.push(
            `  cf -->|${100 - staging}%, origin-verify header| alb{{Routed ALB}}`,
            `  cf -->|≤${staging}%| staging[CloudFront staging]`,
            "  staging -->|origin-verify header| alb",
        );
    } else if (s.routed === 100) {
        out.push("  cf -->|100%, origin-verify header| alb{{Routed ALB}}");
    } else if (s.routed > 0 || s.headerToRouted) {
        const label = [s.routed > 0 ? `≤${s.routed}%` : "", s.headerToRouted ? c.header : ""].filter(Boolean).join(" + ");
        out.push(`  cf -->|${label}| staging[CloudFront staging]`, "  staging -->|origin-verify header| alb{{Routed ALB}}");
    } else {
        out.push("  testers([testers]) -.->|not yet reachable| alb{{Routed ALB}}");
    }
    return out;
}

export function renderMermaid(plan: PlanResult): string {
    const lines = ["flowchart LR", ...mermaidEdge(plan)];
    const targets = new Set<string>();
    for (const r of plan.routing) {
        const id = r.name.replace(/[^A-Za-z0-9]/g, "_");
        lines.push(`  alb -->|${r.priority}| ${id}["${r.name}"]`);
        for (const t of r.targets) {
            const tg = `${t.side}_${t.color}`;
            targets.add(`${t.side}-${t.color}`);
            lines.push(`  ${id} -->|${formatPercent(t.percent)}| ${tg}`);
        }
    }
    lines.push('  alb -.->|no match| deny["403"]');
    for (const t of [...targets].sort()) {
        const [side, color] = t.split("-");
        const compute = side === "legacy" ? `Beanstalk env ${color}` : `Fargate service ${color}`;
        lines.push(`  ${side}_${color}[("TG ${t}")] --> ${side}_${color}_compute["${compute}"]`);
    }
    return lines.join("\n");
}

export function renderPlan(plan: PlanResult): string {
    return [
        `Offline plan of ${plan.project}/${plan.stack} (mocks: no AWS calls, secrets shown as [secret:<name>])`,
        "",
        renderTree(plan),
        "",
        ...(renderEdge(plan) ? [renderEdge(plan)!, ""] : []),
        renderRouting(plan),
        "",
        "Mermaid:",
        "```mermaid",
        renderMermaid(plan),
        "```",
        ...(plan.creationOrder ? ["", renderCreationOrder(plan.creationOrder)] : []),
    ].join("\n");
}
