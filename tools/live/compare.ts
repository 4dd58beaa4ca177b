/**
 * Judge a live snapshot against ExpectedLive: every difference as a row (what, expected,
 * live), the healthy-target shortfalls of the colors about to receive traffic, and what could
 * not be checked because the stack outputs do not name it yet. Pure.
 */
import { Color } from "../../lib/weights";
import { ExpectedEdge, ExpectedEnvironment, ExpectedLive, ExpectedRule, ExpectedService, MISSING_OUTPUTS, TargetLabel } from "./expected";
import { LiveEdge, LiveRule, LiveSnapshot } from "./read";

export interface Difference {
    what: string;
    expected: string;
    live: string;
}

export interface LiveReport {
    /** The live system differs from the deployed stack (a console change, a circuit-breaker rollback, …). */
    drift: Difference[];
    /** A color about to receive traffic has fewer healthy targets than its minimum. */
    unhealthy: Difference[];
    /** What was not compared, and the stack output that would let it be. */
    notChecked: string[];
}

const row = (what: string, expected: unknown, live: unknown): Difference => ({ what, expected: String(expected), live: String(live) });

function compareRule(rule: ExpectedRule, targetGroups: ExpectedLive["targetGroups"], live: LiveRule | "missing" | undefined): Difference[] {
    const what = `rule ${rule.name} (priority ${rule.priority})`;
    if (live === undefined) return [];
    if (live === "missing") return [row(what, "exists", "no such rule")];
    if (!live.forward) return [row(`${what} action`, "forward", "no forward action")];
    const out: Difference[] = [];
    const liveWeight = new Map(live.forward.targets.map((t) => [t.arn, t.weight]));
    const known = Object.entries(rule.weights).filter(([label]) => targetGroups[label as TargetLabel]);
    for (const [label, weight] of known) {
        const arn = targetGroups[label as TargetLabel]!;
        const actual = liveWeight.get(arn);
        if (actual !== weight) out.push(row(`${what} weight of ${label}`, weight, actual === undefined ? "not in the forward" : actual));
    }
    // Only when every expected target group is known can a live one be called foreign.
    if (known.length === Object.keys(rule.weights).length) {
        const expectedArns = new Set(known.map(([label]) => targetGroups[label as TargetLabel]));
        for (const t of live.forward.targets.filter((x) => !expectedArns.has(x.arn)))
            out.push(row(`${what} forwards to`, "only the stack's target groups", `${t.arn} (weight ${t.weight})`));
    }
    const [want, got] = [rule.stickiness, live.forward.stickiness];
    if (want.enabled !== got.enabled || (want.enabled && want.durationSeconds !== got.durationSeconds)) {
        const show = (s: typeof want) => (s.enabled ? `on, ${s.durationSeconds} s` : "off");
        out.push(row(`${what} stickiness`, show(want), show(got)));
    }
    return out;
}

function compareRules(expected: ExpectedLive, live: LiveSnapshot): { drift: Difference[]; notChecked: string[] } {
    const drift = expected.rules.flatMap((r) => (r.arn ? compareRule(r, expected.targetGroups, live.rules[r.arn]) : []));
    const notChecked: string[] = [];
    if (expected.rules.some((r) => !r.arn)) notChecked.push(`listener rule weights and stickiness: needs ${MISSING_OUTPUTS.ruleArns}`);
    else if (expected.rules.some((r) => Object.keys(r.weights).some((label) => !expected.targetGroups[label as TargetLabel]))) {
        notChecked.push(`the Spring weights in each rule: needs ${MISSING_OUTPUTS.springTargetGroups}`);
    }
    return { drift, notChecked };
}

function compareHealth(expected: ExpectedLive, live: LiveSnapshot): { unhealthy: Difference[]; notChecked: string[] } {
    const unhealthy: Difference[] = [];
    const notChecked: string[] = [];
    for (const { label, min } of expected.minHealthy) {
        const arn = expected.targetGroups[label];
        const what = `${label} healthy targets (it receives traffic)`;
        if (!arn) {
            notChecked.push(`${label} healthy targets: needs ${MISSING_OUTPUTS.springTargetGroups}`);
            continue;
        }
        const health = live.targetHealth[arn];
        if (health === "missing") unhealthy.push(row(what, `≥ ${min}`, `no such target group ${arn}`));
        else if (health && health.healthy < min) {
            const others = health.others.length ? ` (${health.others.join(", ")})` : " (no targets registered)";
            unhealthy.push(row(what, `≥ ${min}`, `${health.healthy}${others}`));
        }
    }
    return { unhealthy, notChecked };
}

const DIGEST = /@(sha256:[0-9a-f]{64})$/;

/** The image check: by digest when the expected image is pinned by one (a tag can be moved; a digest cannot). */
function imageMatches(expected: string, images: readonly string[]): boolean {
    const digest = DIGEST.exec(expected)?.[1];
    return digest ? images.some((i) => DIGEST.exec(i)?.[1] === digest) : images.includes(expected);
}

function compareService(s: ExpectedService, live: LiveSnapshot["services"][string] | undefined): Difference[] {
    const what = `spring-${s.color} (ECS service ${s.serviceName})`;
    if (!live) return [];
    if ("missing" in live) return [row(what, "ACTIVE", live.missing)];
    if (!live.primary) return [row(`${what} deployment`, "a PRIMARY deployment", "none")];
    const out: Difference[] = [];
    const { taskDefinition, rolloutState, rolloutStateReason } = live.primary;
    // A circuit-breaker rollback leaves the PRIMARY on the previous task definition, or FAILED
    // (ECS API reference, Deployment.rolloutState; the provider reports success: terraform-provider-aws#20858).
    if (s.taskDefinitionArn && taskDefinition !== s.taskDefinitionArn) {
        out.push(row(`${what} task definition (PRIMARY)`, s.taskDefinitionArn, `${taskDefinition} (rolled back by the circuit breaker?)`));
    }
    if (rolloutState !== "COMPLETED")
        out.push(row(`${what} rollout`, "COMPLETED", `${rolloutState ?? "unknown"}${rolloutStateReason ? `: ${rolloutStateReason}` : ""}`));
    if (s.image && !imageMatches(s.image, live.images))
        out.push(row(`${what} image${DIGEST.test(s.image) ? " digest" : ""}`, s.image, live.images.join(", ") || "none"));
    return out;
}

function compareServices(expected: ExpectedLive, live: LiveSnapshot): { drift: Difference[]; notChecked: string[] } {
    const drift = expected.spring.flatMap((s) => (s.cluster ? compareService(s, live.services[s.serviceName]) : []));
    const notChecked: string[] = [];
    if (expected.spring.some((s) => !s.cluster)) notChecked.push(`the Spring services (task definition, rollout, image): needs ${MISSING_OUTPUTS.cluster}`);
    else {
        if (expected.spring.some((s) => !s.taskDefinitionArn)) notChecked.push(`the Spring task definitions: needs ${MISSING_OUTPUTS.taskDefinitions}`);
        if (expected.spring.some((s) => !s.image)) notChecked.push(`the Spring images: needs ${MISSING_OUTPUTS.images}`);
    }
    return { drift, notChecked };
}

function compareEnvironment(e: ExpectedEnvironment, receives: boolean, live: LiveSnapshot["environments"][string] | undefined): Difference[] {
    const what = `legacy-${e.color} (Beanstalk ${e.environmentName})`;
    if (!live) return [];
    if (live === "missing") return [row(what, "exists", "no such environment")];
    const out: Difference[] = [];
    if (e.versionLabel && live.versionLabel !== e.versionLabel) out.push(row(`${what} version label`, e.versionLabel, live.versionLabel ?? "none"));
    if (live.status !== "Ready") out.push(row(`${what} status`, "Ready", live.status ?? "unknown"));
    // Red: not responsive; Grey: health checks not running (API reference, EnvironmentDescription.Health).
    if (receives ? live.health !== "Green" : live.health === "Red") out.push(row(`${what} health`, receives ? "Green" : "not Red", live.health ?? "unknown"));
    return out;
}

function compareEnvironments(expected: ExpectedLive, live: LiveSnapshot): { drift: Difference[]; notChecked: string[] } {
    const receives = (color: Color) => expected.minHealthy.some((m) => m.label === `legacy-${color}`);
    const drift = expected.legacy.flatMap((e) => compareEnvironment(e, receives(e.color), live.environments[e.environmentName]));
    const notChecked = expected.legacy.some((e) => !e.versionLabel) ? [`the Beanstalk version labels: needs ${MISSING_OUTPUTS.versionLabels}`] : [];
    return { drift, notChecked };
}

function describePolicy(p: { enabled: boolean; type?: string; weightPercent?: number; header?: string }): string {
    const detail = p.type === "SingleWeight" ? `SingleWeight ${p.weightPercent} %` : `${p.type ?? "unknown type"}${p.header ? ` ${p.header}` : ""}`;
    return `${p.enabled ? "enabled" : "disabled"}, ${detail}`;
}

function compareEdge(edge: ExpectedEdge, live: LiveEdge | "missing"): Difference[] {
    const what = `edge ${edge.primaryDistributionId} (phase ${edge.phase})`;
    if (live === "missing") return [row(what, "exists", "no such distribution")];
    const out: Difference[] = [];
    const origin = live.origin?.domainName ?? "no origin";
    const { kind, domainName } = edge.primaryOrigin;
    if (domainName ? origin !== domainName : kind === "routed" && edge.oldOriginDomain !== undefined && origin === edge.oldOriginDomain) {
        out.push(row(`${what} primary origin`, domainName ?? `the routed origin, not ${edge.oldOriginDomain}`, origin));
    }
    const want = edge.policy;
    if (!want) {
        if (live.policyId) out.push(row(`${what} continuous deployment policy`, "none", live.policyId));
        return out;
    }
    if (!live.policyId) return want.mayBeDetached ? out : [...out, row(`${what} continuous deployment policy`, describePolicy(want), "none attached")];
    if (want.id && live.policyId !== want.id) out.push(row(`${what} continuous deployment policy id`, want.id, live.policyId));
    if (!live.policy || live.policy === "missing")
        return [...out, row(`${what} continuous deployment policy`, describePolicy(want), `${live.policyId} does not exist`)];
    const got = live.policy;
    const same =
        got.enabled === want.enabled &&
        got.type === want.type &&
        (want.type !== "SingleWeight" || Math.abs((got.weightPercent ?? NaN) - (want.weightPercent ?? NaN)) < 1e-6) &&
        (want.type !== "SingleHeader" || !want.header || got.header?.toLowerCase() === want.header.toLowerCase());
    if (!same) out.push(row(`${what} continuous deployment policy`, describePolicy(want), describePolicy(got)));
    return out;
}

function compareEdges(expected: ExpectedLive, live: LiveSnapshot): { drift: Difference[]; notChecked: string[] } {
    const edge = expected.edge;
    if (!edge) return { drift: [], notChecked: [] };
    if (!edge.primaryDistributionId)
        return { drift: [], notChecked: [`the edge (primary origin, continuous deployment policy): needs ${MISSING_OUTPUTS.distribution}`] };
    const notChecked = [
        ...(edge.policy && !edge.policy.id ? [`the continuous deployment policy's id: needs ${MISSING_OUTPUTS.policy}`] : []),
        ...(edge.primaryOrigin.kind === "routed" && !edge.primaryOrigin.domainName ? [`the routed origin's name: needs ${MISSING_OUTPUTS.routedOrigin}`] : []),
    ];
    return { drift: live.edge ? compareEdge(edge, live.edge) : [], notChecked };
}

export function compareLive(expected: ExpectedLive, live: LiveSnapshot): LiveReport {
    const parts = [compareRules(expected, live), compareServices(expected, live), compareEnvironments(expected, live), compareEdges(expected, live)];
    const health = compareHealth(expected, live);
    return {
        drift: parts.flatMap((p) => p.drift),
        unhealthy: health.unhealthy,
        notChecked: [...parts.flatMap((p) => p.notChecked), ...health.notChecked],
    };
}

/** The differences as a table: what, expected, live (columns padded; long values are never cut). */
export function renderTable(rows: readonly Difference[]): string[] {
    const head = { what: "what", expected: "expected", live: "live" };
    const widthOf = (k: keyof Difference) => Math.max(...[head, ...rows].map((r) => r[k].length));
    const [w, e] = [widthOf("what"), widthOf("expected")];
    const line = (r: Difference) => `  ${r.what.padEnd(w)}  ${r.expected.padEnd(e)}  ${r.live}`.trimEnd();
    return [line(head), line({ what: "-".repeat(w), expected: "-".repeat(e), live: "-".repeat(widthOf("live")) }), ...rows.map(line)];
}
