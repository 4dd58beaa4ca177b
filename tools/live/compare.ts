/**
 * Judge a live snapshot against ExpectedLive: every difference as a row (what, expected,
 * live), the healthy-target shortfalls of the colors about to receive traffic, and what could
 * not be checked because the deployed state does not record it (ExpectedLive.notChecked). Pure.
 */
import { Color } from "../../lib/weights";
import { ExpectedEdge, ExpectedEnvironment, ExpectedLive, ExpectedRule, ExpectedService } from "./expected";
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
    /** What was not compared, and what the deployed state lacks for it. */
    notChecked: string[];
}

const row = (what: string, expected: unknown, live: unknown): Difference => ({ what, expected: String(expected), live: String(live) });

function compareRule(rule: ExpectedRule, live: LiveRule | "missing" | undefined): Difference[] {
    const what = `rule ${rule.name} (priority ${rule.priority})`;
    if (live === undefined) return [];
    if (live === "missing") return [row(what, "exists", "no such rule")];
    if (!live.forward) return [row(`${what} action`, "forward", "no forward action")];
    const out: Difference[] = [];
    const liveWeight = new Map(live.forward.targets.map((t) => [t.arn, t.weight]));
    for (const t of rule.targets) {
        const actual = liveWeight.get(t.arn);
        if (actual !== t.weight) out.push(row(`${what} weight of ${t.label}`, t.weight, actual === undefined ? "not in the forward" : actual));
    }
    const expectedArns = new Set(rule.targets.map((t) => t.arn));
    for (const t of live.forward.targets.filter((x) => !expectedArns.has(x.arn)))
        out.push(row(`${what} forwards to`, "only the stack's target groups", `${t.arn} (weight ${t.weight})`));
    const [want, got] = [rule.stickiness, live.forward.stickiness];
    if (want.enabled !== got.enabled || (want.enabled && want.durationSeconds !== got.durationSeconds)) {
        const show = (s: typeof want) => (s.enabled ? `on, ${s.durationSeconds} s` : "off");
        out.push(row(`${what} stickiness`, show(want), show(got)));
    }
    return out;
}

/** Each color about to receive traffic: its deployed target group must exist and hold at least `min` healthy targets. */
function compareHealth(expected: ExpectedLive, live: LiveSnapshot): Difference[] {
    const unhealthy: Difference[] = [];
    for (const { label, min } of expected.minHealthy) {
        const arn = expected.targetGroups[label];
        const what = `${label} healthy targets (it receives traffic)`;
        const health = arn ? live.targetHealth[arn] : undefined;
        if (!arn) unhealthy.push(row(what, `≥ ${min}`, "no target group in the deployed position"));
        else if (health === "missing") unhealthy.push(row(what, `≥ ${min}`, `no such target group ${arn}`));
        else if (health && health.healthy < min) {
            const others = health.others.length ? ` (${health.others.join(", ")})` : " (no targets registered)";
            unhealthy.push(row(what, `≥ ${min}`, `${health.healthy}${others}`));
        }
    }
    return unhealthy;
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
    if (taskDefinition !== s.taskDefinitionArn) {
        out.push(row(`${what} task definition (PRIMARY)`, s.taskDefinitionArn, `${taskDefinition} (rolled back by the circuit breaker?)`));
    }
    if (rolloutState !== "COMPLETED")
        out.push(row(`${what} rollout`, "COMPLETED", `${rolloutState ?? "unknown"}${rolloutStateReason ? `: ${rolloutStateReason}` : ""}`));
    if (s.image && !imageMatches(s.image, live.images))
        out.push(row(`${what} image${DIGEST.test(s.image) ? " digest" : ""}`, s.image, live.images.join(", ") || "none"));
    return out;
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

function compareEnvironments(expected: ExpectedLive, live: LiveSnapshot): Difference[] {
    const receives = (color: Color) => expected.minHealthy.some((m) => m.label === `legacy-${color}`);
    return expected.legacy.flatMap((e) => compareEnvironment(e, receives(e.color), live.environments[e.environmentName]));
}

function describePolicy(p: { enabled: boolean; type?: string; weightPercent?: number; header?: string }): string {
    const detail = p.type === "SingleWeight" ? `SingleWeight ${p.weightPercent} %` : `${p.type ?? "unknown type"}${p.header ? ` ${p.header}` : ""}`;
    return `${p.enabled ? "enabled" : "disabled"}, ${detail}`;
}

/** Domain names compare without case (DNS: RFC 4343). */
const sameDomain = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

function compareEdge(edge: ExpectedEdge, live: LiveEdge | "missing"): Difference[] {
    const what = `edge ${edge.distributionId} (phase ${edge.phase})`;
    if (live === "missing") return [row(what, "exists", "no such distribution")];
    const out: Difference[] = [];
    const origin = live.origin?.domainName;
    if (!sameDomain(origin, edge.primaryOrigin.domainName)) {
        const back = edge.primaryOrigin.kind === "routed" && sameDomain(origin, edge.oldOriginDomain) ? " (the old origin)" : "";
        out.push(row(`${what} primary origin`, edge.primaryOrigin.domainName, `${origin ?? "no origin"}${back}`));
    }
    const want = edge.policy;
    if (!want) {
        if (live.policyId) out.push(row(`${what} continuous deployment policy`, "none", live.policyId));
        return out;
    }
    if (!live.policyId) return want.mayBeDetached ? out : [...out, row(`${what} continuous deployment policy`, describePolicy(want), "none attached")];
    if (live.policyId !== want.id) out.push(row(`${what} continuous deployment policy id`, want.id, live.policyId));
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

export function compareLive(expected: ExpectedLive, live: LiveSnapshot): LiveReport {
    return {
        drift: [
            ...expected.rules.flatMap((r) => compareRule(r, live.rules[r.arn])),
            ...expected.spring.flatMap((s) => compareService(s, live.services[s.serviceName])),
            ...compareEnvironments(expected, live),
            ...(expected.edge && live.edge ? compareEdge(expected.edge, live.edge) : []),
        ],
        unhealthy: compareHealth(expected, live),
        notChecked: expected.notChecked,
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
