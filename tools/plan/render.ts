/**
 * Human-readable views of a plan: the resource tree, the routing table and a Mermaid
 * diagram of edge → ALB → rules → target groups → compute.
 */
import type { PlanResult, PlanRule } from "./run";

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
            lines.push(
                `${indent}${r.name}  (${shortType(r.type)}${kids ? `, ${kids} children` : ""})${flags.length ? `  [${flags.join(", ")}]` : ""}`,
            );
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
    const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return ["Routing (first match wins):", line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderMermaid(plan: PlanResult): string {
    const lines = ["flowchart LR", "  viewer([viewer]) --> cf[CloudFront]", "  cf -->|origin-verify header| alb{{Routed ALB}}"];
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
        renderRouting(plan),
        "",
        "Mermaid:",
        "```mermaid",
        renderMermaid(plan),
        "```",
    ].join("\n");
}
