/**
 * The cut-in from the live system (lib/cutin.ts): the edge moves one phase at a time,
 * judged against the deployed state; CloudFront's continuous deployment limits hold; the
 * Spring canary waits until the edge is promoted (one risky change at a time); and the
 * old origin stays one config change away until the promoted cut-in has baked. A move
 * back (an earlier phase, a lower edge weight, less Spring) is never refused.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { COMPONENT_TYPES, CutinEdgeOutputs } from "../lib/contract";
import {
    CD_HEADER_PREFIX,
    CUTIN_PHASES,
    CutinPhase,
    DEFAULT_EDGE_LADDER,
    bakeProblem,
    continuousDeploymentProblems,
    cutinMove,
    cutinRemovalProblem,
    EdgeShape,
    edgeShape,
    edgeShares,
    endProblem,
    topRungBakeProblems,
} from "../lib/cutin";
import { backDated, today } from "./clock";
import { TYPES, deployedOutputs, deployedStateIn, isUnknown, publicTraffic, recordedStateIn, risesPerPath } from "./stackView";

const CD_POLICY_TYPE = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";

function cutinEdges(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === COMPONENT_TYPES.cutinEdge);
}

function cutinRecord(resources: readonly PolicyResource[]): CutinEdgeOutputs | undefined {
    const edges = cutinEdges(resources);
    return edges.length === 1 ? (edges[0].props as CutinEdgeOutputs) : undefined;
}

function isPhase(v: unknown): v is CutinPhase {
    return typeof v === "string" && (CUTIN_PHASES as readonly string[]).includes(v);
}

/** An origin that is the cut-in's recorded old origin: a Beanstalk environment CNAME, never the ALB. */
export function isCutinOldOrigin(resources: readonly PolicyResource[], origin: { originId?: unknown; domainName?: unknown }): boolean {
    return cutinEdges(resources).some((edge) => {
        const old = (edge.props as CutinEdgeOutputs).oldOrigin;
        return !!old && old.originId === origin.originId && old.domainName === origin.domainName && /\.elasticbeanstalk\.com$/.test(String(origin.domainName));
    });
}

interface DeployedCutin {
    phase: CutinPhase;
    edgeWeight: number;
    webAclId: string | null;
    retired: boolean;
    /** The deployed cut-in has ended: its edge is the stack's permanent one. */
    ended: boolean;
    /** The day the deployed cut-in was promoted: the bake counts from here, never from the update's own config. */
    cutinDate: string | null;
    /** The deployed old origin's domain name (the old live environment's CNAME), null once retired. */
    oldOrigin: string | null;
    /** When the deployed edge reached the top rung, and that rung's bake (lib/cutin.ts topRungBakeProblems). */
    topRungAt: string | null;
    topRungBakeMinutes: number;
}

/** The deployed cut-in point, "none" when the deployed stack had no cut-in, undefined when nothing can be judged. */
function deployedCutin(resources: readonly PolicyResource[]): DeployedCutin | "none" | "new-stack" | undefined {
    const deployed = deployedOutputs(resources);
    if (deployed === undefined) return undefined;
    // Empty outputs: a new stack only while nothing the program creates exists (as deployedStateIn judges it).
    if (Object.keys(deployed).length === 0) return deployedStateIn(resources).kind === "new" ? "new-stack" : undefined;
    const c = deployed.cutin;
    if (c === undefined || c === null) return "none";
    if (!isPhase(c.phase)) return undefined;
    return {
        phase: c.phase,
        edgeWeight: Number(c.edgeWeight ?? 0),
        webAclId: c.webAclId ?? null,
        retired: c.retired === true,
        ended: c.ended === true,
        cutinDate: typeof c.cutinDate === "string" ? c.cutinDate : null,
        oldOrigin: typeof c.oldOrigin === "string" ? c.oldOrigin : null,
        topRungAt: typeof c.topRungAt === "string" ? c.topRungAt : null,
        topRungBakeMinutes: Number(c.topRungBakeMinutes ?? 0),
    };
}

/**
 * Whether this update moves the cut-in back toward the old origin (an earlier phase, or a
 * lower edge weight) from the deployed one, as its CutinEdge record declares it: the share of
 * viewers on the routed ALB goes down, or the edge lands where every viewer is on the old
 * origin (the canary tool's `cutin rollback` targets, staged and adopted). An earlier phase
 * that leaves every viewer on the routed ALB (promoted → detached or promoting, detached →
 * promoting, a lower weight of a disabled policy) moves nothing toward the last known-good
 * state: no excuse. False whenever either side cannot be read: no excuse is granted on a guess.
 */
export function cutinMovesBack(resources: readonly PolicyResource[]): boolean {
    const deployed = deployedCutin(resources);
    const record = cutinRecord(resources);
    if (typeof deployed !== "object" || !record || !isPhase(record.phase)) return false;
    // Once the old origin is retired there is no known-good edge to go back to (the canary tool
    // refuses `cutin rollback` then): an earlier phase points viewers at an origin the deployed
    // state no longer names, which the pack cannot judge as a move back.
    if (deployed.retired) return false;
    const to = { phase: record.phase, edgeWeight: Number(record.edgeWeight ?? 0) };
    if (cutinMove(deployed, to).direction !== "back") return false;
    if (!edgeAsRecorded(resources, record, record.phase, deployed.oldOrigin)) return false;
    const routedNow = edgeShares(to.phase, to.edgeWeight).routed;
    return routedNow === 0 || routedNow < edgeShares(deployed.phase, deployed.edgeWeight).routed - 1e-9;
}

/**
 * Whether this update moves the cut-in forward: a later phase, a higher edge weight,
 * retiring the old origin, or adding or dropping the cut-in itself. True whenever the
 * deployed cut-in cannot be read: a move the pack cannot place is never a move back.
 */
export function cutinMovesForward(resources: readonly PolicyResource[]): boolean {
    const deployed = deployedCutin(resources);
    const record = cutinRecord(resources);
    if (deployed === undefined) return true;
    if (typeof deployed !== "object") return !!record;
    if (!record || !isPhase(record.phase)) return true;
    if (record.retired === true && !deployed.retired) return true;
    if (!edgeAsRecorded(resources, record, record.phase, deployed.oldOrigin)) return true;
    return cutinMove(deployed, { phase: record.phase, edgeWeight: Number(record.edgeWeight ?? 0) }).direction === "forward";
}

/**
 * Whether the edge resources do what the CutinEdge record declares (cutin-phase-order's own
 * check). The record is config: the backward-always excuse relies on the resources on its
 * own, not only through cutin-phase-order, whose enforcement level is pack config.
 */
function edgeAsRecorded(resources: readonly PolicyResource[], record: CutinEdgeOutputs, phase: CutinPhase, deployedOld: string | null): boolean {
    const edge = effectiveEdge(resources, record.oldOrigin ?? null, deployedOld);
    return typeof edge !== "string" && edgeMismatches(edge, phase, Number(record.edgeWeight ?? 0)).length === 0;
}

/** A value that is unknown in a preview (a resource not created yet) reads as UNKNOWN instead of failing the policy. */
const UNKNOWN = Symbol("unknown");
function read<T>(get: () => T): T | typeof UNKNOWN {
    return isUnknown(get) ? UNKNOWN : get();
}

const sameHost = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/** What the edge resources do (EdgeShape, plus the weight in percent), or why the pack cannot tell. */
type EffectiveEdge = EdgeShape & { weightPercent?: number };

/**
 * The edge point as the RESOURCES declare it, whatever the CutinEdge record says: where the
 * primary distribution's cache behaviors send requests (the old origin, or an origin carrying
 * the origin-verify header: the routed ALB), whether a staging distribution exists, and the
 * continuous deployment policy's state, traffic type and weight. A shape the pack cannot
 * classify is a problem (refused), never a pass.
 */
function effectiveEdge(
    resources: readonly PolicyResource[],
    oldOrigin: { originId?: unknown; domainName?: unknown } | null,
    deployedOld: string | null,
): EffectiveEdge | string {
    const distributions = resources.filter((r) => r.type === TYPES.distribution);
    const primaries = distributions.filter((r) => r.parent?.type === COMPONENT_TYPES.cutinEdge && (r.props as any).staging !== true);
    if (primaries.length !== 1) return `the cut-in needs exactly one primary distribution (found ${primaries.length})`;
    const primary = primaries[0].props as any;
    const recorded = recordedStateIn(resources);
    if (typeof recorded === "string") return `the origin-verify header name cannot be read: ${recorded}`;
    const verify = recorded.headers.originVerify.toLowerCase();

    const origins = new Map<unknown, any>(((primary.origins ?? []) as any[]).map((o) => [o?.originId, o]));
    const isOld = (o: any) => {
        const domain = read(() => o?.domainName);
        if (domain === UNKNOWN) return false;
        return (!!oldOrigin && o.originId === oldOrigin.originId && sameHost(domain, oldOrigin.domainName)) || sameHost(domain, deployedOld);
    };
    const isRouted = (o: any) =>
        ((o?.customHeaders ?? []) as any[]).some((h) => String(h?.name ?? "").toLowerCase() === verify) &&
        !/\.elasticbeanstalk\.com$/i.test(String(read(() => o?.domainName)));
    const behaviors: { label: string; target: unknown }[] = [
        { label: "the default cache behavior", target: primary.defaultCacheBehavior?.targetOriginId },
        ...((primary.orderedCacheBehaviors ?? []) as any[]).map((b) => ({ label: `the cache behavior for ${b?.pathPattern}`, target: b?.targetOriginId })),
    ];
    const kinds = behaviors.map(({ label, target }) => {
        const origin = origins.get(target);
        return { label, kind: !origin ? "none" : isOld(origin) ? "old" : isRouted(origin) ? "routed" : "other" };
    });
    const defaultKind = kinds[0].kind;
    let primaryOrigin: EdgeShape["primaryOrigin"];
    if (defaultKind === "routed") primaryOrigin = "routed";
    else if (defaultKind === "old" && !kinds.some((k) => k.kind === "routed")) primaryOrigin = "old";
    else if (defaultKind === "old")
        return `the primary distribution sends ${kinds.find((k) => k.kind === "routed")!.label} to the routed ALB and the rest to the old origin: that is no cut-in phase`;
    else
        return `the primary distribution's default cache behavior targets ${JSON.stringify(behaviors[0].target)}, neither the old origin nor the routed ALB (an origin with the ${recorded.headers.originVerify} header)`;

    const staging = distributions.filter((r) => (r.props as any).staging === true);
    if (staging.length > 1) return `${staging.length} staging distributions: the cut-in has one`;
    const policies = resources.filter((r) => r.type === CD_POLICY_TYPE);
    if (policies.length > 1) return `${policies.length} continuous deployment policies: the cut-in has one`;
    const named = read(() => primary.continuousDeploymentPolicyId);
    const shape: EffectiveEdge = { primaryOrigin, staging: staging.length === 1 };
    if (policies.length === 0) {
        // An id still unknown is the policy being created; a known one must be the stack's own.
        if (named !== UNKNOWN && named !== undefined && named !== null && named !== "") {
            return `the primary distribution names continuous deployment policy ${named}, which this stack does not declare: its traffic cannot be judged`;
        }
        return shape;
    }
    const p = policies[0].props as any;
    const id = read(() => p.id);
    if (named !== UNKNOWN && id !== UNKNOWN && id !== undefined && named !== id) {
        return `the primary distribution names continuous deployment policy ${named ?? "none"}, not the stack's ${id}`;
    }
    const traffic = p.trafficConfig?.type === "SingleWeight" ? "weight" : p.trafficConfig?.type === "SingleHeader" ? "header" : undefined;
    if (!traffic || typeof p.enabled !== "boolean")
        return `continuous deployment policy ${policies[0].name}: enabled ${JSON.stringify(p.enabled)}, traffic ${JSON.stringify(p.trafficConfig?.type)} cannot be judged`;
    shape.policy = { enabled: p.enabled, traffic };
    if (traffic === "weight") shape.weightPercent = Math.round(Number(p.trafficConfig?.singleWeightConfig?.weight) * 10_000) / 100;
    return shape;
}

/** How the resources differ from what `phase` at `edgeWeight` declares (edgeShape), as sentences; empty when they match. */
function edgeMismatches(edge: EffectiveEdge, phase: CutinPhase, edgeWeight: number): string[] {
    const want = edgeShape(phase);
    const out: string[] = [];
    const where = (o: EdgeShape["primaryOrigin"]) => (o === "old" ? "the old origin" : "the routed ALB");
    if (edge.primaryOrigin !== want.primaryOrigin)
        out.push(`the primary distribution sends viewers to ${where(edge.primaryOrigin)}, phase ${phase} to ${where(want.primaryOrigin)}`);
    if (edge.staging !== want.staging)
        out.push(`a staging distribution ${edge.staging ? "exists" : "is missing"}, phase ${phase} has ${want.staging ? "one" : "none"}`);
    const describe = (p?: EdgeShape["policy"]) => (p ? `${p.enabled ? "enabled" : "disabled"} ${p.traffic}-based` : "no");
    if (edge.policy?.enabled !== want.policy?.enabled || edge.policy?.traffic !== want.policy?.traffic) {
        out.push(`${describe(edge.policy)} continuous deployment policy, phase ${phase} has ${describe(want.policy)}`);
    } else if (want.policy?.traffic === "weight" && !(Math.abs((edge.weightPercent ?? NaN) - edgeWeight) < 1e-6)) {
        out.push(`the continuous deployment policy sends ${edge.weightPercent}% to the staging distribution, cutin.edgeWeight is ${edgeWeight}%`);
    }
    return out;
}

export const cutinPhaseOrder: StackValidationPolicy = {
    name: "cutin-phase-order",
    description:
        "The cut-in moves forward one phase at a time (adopted, staged, header, weight, promoting, detached, promoted) and the edge weight one rung at a time, judged against the deployed state, and the edge resources (the primary's origin, the staging distribution, the continuous deployment policy) do what the phase declares; any move back is allowed.",
    severity: "critical",
    remediationSteps: "Use `npm run canary -- cutin next|promote --stack <s>`: each takes one step. Going back (`cutin rollback`) is always allowed.",
    configSchema: {
        properties: {
            edgeLadder: { type: "array", items: { type: "integer", minimum: 1, maximum: 15 }, minItems: 1, default: [...DEFAULT_EDGE_LADDER] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { edgeLadder } = args.getConfig<{ edgeLadder: number[] }>();
        const record = cutinRecord(args.resources);
        const deployed = deployedCutin(args.resources);
        if (cutinEdges(args.resources).length > 1) {
            reportViolation("more than one CutinEdge: the cut-in has one primary distribution");
            return;
        }
        if (!record) {
            if (deployed && typeof deployed === "object") {
                reportViolation(cutinRemovalProblem(deployed));
                return;
            }
            args.notApplicable("no cut-in in this stack");
            return;
        }
        if (!isPhase(record.phase)) {
            reportViolation(`unknown cut-in phase ${JSON.stringify(record.phase)}`);
            return;
        }
        const to = { phase: record.phase, edgeWeight: Number(record.edgeWeight ?? 0) };
        // The record is config: the resources must do what its phase declares, or a code change
        // (an origin copied onto the primary, a weight or an enabled flag set by hand) moves the edge unjudged.
        const edge = effectiveEdge(args.resources, record.oldOrigin ?? null, typeof deployed === "object" ? deployed.oldOrigin : null);
        if (typeof edge === "string") {
            reportViolation(`the edge resources cannot be judged, so the update is refused: ${edge}`);
            return;
        }
        const mismatches = edgeMismatches(edge, to.phase, to.edgeWeight);
        if (mismatches.length > 0) {
            reportViolation(
                `the edge resources do not match cutin.phase ${to.phase}${edgeShape(to.phase).policy?.traffic === "weight" ? ` at ${to.edgeWeight}%` : ""}: ${mismatches.join("; ")}`,
            );
            return;
        }
        if (deployed === undefined) {
            reportViolation("the deployed cut-in state cannot be read (no deployed-state reference, or an unknown deployed phase): the move cannot be judged");
            return;
        }
        if (deployed === "new-stack" || deployed === "none") {
            if (to.phase !== "adopted") {
                reportViolation(`a cut-in starts at phase adopted (the live distribution and records imported unchanged), not ${to.phase}`);
            }
            return;
        }
        const move = cutinMove(deployed, to, edgeLadder ?? DEFAULT_EDGE_LADDER);
        if (move.problem) reportViolation(move.problem);
        topRungBakeProblems({
            deployed,
            to: { ...to, topRungAt: record.topRungAt, topRungBakeMinutes: record.topRungBakeMinutes },
            ladder: edgeLadder,
            now: Date.now(),
        }).forEach((p) => reportViolation(p));
        // Both origins serve the same Rails version while the edge moves: a difference would be a second risk at once.
        const versions = record.railsVersions;
        if (move.direction === "forward" && (!versions || versions.old !== versions.new)) {
            reportViolation(
                `the new Beanstalk pair's live color runs ${versions?.new ?? "an unknown version"}, the old live environment ${versions?.old ?? "an unknown version"}: move the edge forward only while both serve the same Rails version`,
            );
        }
        if (record.retired && !deployed.retired && move.direction !== "same") {
            reportViolation("retire the old origin in an update of its own, not together with a phase move");
        }
        const ending = endProblem({ deployed, record: { phase: record.phase, retired: record.retired === true, ended: record.ended === true } });
        if (ending) reportViolation(ending);
    },
};

export const cutinContinuousDeploymentLimits: StackValidationPolicy = {
    name: "cutin-continuous-deployment-limits",
    description:
        "CloudFront continuous deployment as AWS accepts it: at most 15 % by weight, session stickiness idle 300–3600 s, a header named aws-cf-cd-…, no HTTP/3 on a distribution with continuous deployment, and no WAF association change while a policy is attached.",
    severity: "critical",
    remediationSteps:
        "Keep cutin.edgeWeight ≤ 15 and the stickiness in range; turn HTTP/3 off (cutin.distribution.args.httpVersion: http2) at phase adopted; change the web ACL only at phase adopted or promoted.",
    validateStack: (args, reportViolation) => {
        const policies = args.resources.filter((r) => r.type === CD_POLICY_TYPE);
        const withCd = args.resources.filter(
            (r) => r.type === TYPES.distribution && ((r.props as any).staging === true || (r.props as any).continuousDeploymentPolicyId !== undefined),
        );
        if (policies.length === 0 && withCd.length === 0 && cutinEdges(args.resources).length === 0) {
            args.notApplicable("no continuous deployment in this stack");
            return;
        }
        for (const p of policies) {
            const traffic = (p.props as any).trafficConfig ?? {};
            const single = traffic.singleWeightConfig;
            const header = traffic.singleHeaderConfig;
            if (traffic.type === "SingleWeight") {
                const sticky = single?.sessionStickinessConfig;
                const problems = continuousDeploymentProblems({
                    weightPercent: Number(single?.weight) * 100,
                    stickiness: sticky ? { idleSeconds: Number(sticky.idleTtl), maximumSeconds: Number(sticky.maximumTtl) } : undefined,
                });
                if (!sticky) problems.push("no session stickiness: a viewer's requests would alternate between the two origins");
                problems.forEach((m) => reportViolation(`continuous deployment policy ${p.name}: ${m}`, p.urn));
            } else if (traffic.type === "SingleHeader") {
                if (
                    !String(header?.header ?? "")
                        .toLowerCase()
                        .startsWith(CD_HEADER_PREFIX)
                ) {
                    reportViolation(`continuous deployment policy ${p.name}: header ${header?.header} must start with ${CD_HEADER_PREFIX}`, p.urn);
                }
            } else {
                reportViolation(`continuous deployment policy ${p.name}: unknown traffic config ${JSON.stringify(traffic.type)}`, p.urn);
            }
        }
        for (const d of withCd) {
            continuousDeploymentProblems({ httpVersion: String((d.props as any).httpVersion ?? "http2") }).forEach((m) =>
                reportViolation(`distribution ${d.name}: ${m}`, d.urn),
            );
        }
        // WAF: CloudFront refuses to associate or remove a web ACL while a policy is attached.
        const deployed = deployedCutin(args.resources);
        const record = cutinRecord(args.resources);
        if (deployed && typeof deployed === "object" && record && isPhase(record.phase)) {
            const attached = edgeShape(deployed.phase).policy !== undefined || edgeShape(record.phase).policy !== undefined;
            const primary = args.resources.find(
                (r) => r.type === TYPES.distribution && r.parent?.type === COMPONENT_TYPES.cutinEdge && (r.props as any).staging !== true,
            );
            const webAcl = ((primary?.props as any)?.webAclId as string | undefined) ?? null;
            if (attached && primary && webAcl !== deployed.webAclId) {
                reportViolation(
                    `the primary's web ACL changes (${deployed.webAclId ?? "none"} → ${webAcl ?? "none"}) while a continuous deployment policy is attached: CloudFront refuses it; change it at phase adopted or promoted`,
                    primary.urn,
                );
            }
        }
    },
};

export const cutinOneRiskAtATime: StackValidationPolicy = {
    name: "cutin-one-risk-at-a-time",
    description:
        "The Spring canary stays at 0 % until the cut-in is deployed at phase promoted, and the edge moves forward only while Spring serves no public path: the edge move and the implementation move never overlap.",
    severity: "high",
    remediationSteps:
        "Finish the cut-in first (npm run canary -- cutin promote), then start the Spring canary; after a cut-in rollback, lower Spring to 0 % before moving the edge forward again. Lowering Spring's share and moving the edge back are always allowed.",
    validateStack: (args, reportViolation) => {
        const record = cutinRecord(args.resources);
        if (!record) {
            args.notApplicable("no cut-in in this stack");
            return;
        }
        const deployed = deployedCutin(args.resources);
        // Spring's share per request path, by effect (h-policy: the rules as they are, against the deployed state).
        const recorded = recordedStateIn(args.resources);
        if (typeof recorded === "string") {
            reportViolation(`Spring's share cannot be judged: ${recorded}`);
            return;
        }
        const was = deployedStateIn(args.resources);
        const before = was.kind === "state" ? was.state.traffic : [];
        const after = publicTraffic(args.resources, recorded.headers);
        // The edge moves forward only while Spring serves no public path (deployed or in this update):
        // reachable after a promoted cut-in with a Spring canary is rolled back. Moving the edge back always passes.
        if (typeof deployed === "object" && deployed !== null && isPhase(record.phase)) {
            const move = cutinMove(deployed, { phase: record.phase, edgeWeight: Number(record.edgeWeight ?? 0) });
            const spring = Math.max(0, ...[...before, ...after].map((e) => e.springPercent).filter((x) => Number.isFinite(x)));
            if (move.direction === "forward" && spring > 0) {
                reportViolation(
                    `the cut-in moves forward (${deployed.phase}${deployed.phase === "weight" ? ` ${deployed.edgeWeight}%` : ""} → ${record.phase}${record.phase === "weight" ? ` ${record.edgeWeight}%` : ""}) while Spring serves up to ${spring}% of a public path: lower the Spring canary to 0 % first (an update of its own)`,
                );
                return; // one refusal: whatever rises in this update, Spring has to be at 0 first
            }
        }
        const promoted = record.phase === "promoted" && typeof deployed === "object" && deployed?.phase === "promoted";
        if (promoted) return;
        const reported = new Set<string>();
        for (const { from, entry } of risesPerPath(before, after)) {
            if (reported.has(entry.rule.name)) continue;
            reported.add(entry.rule.name);
            reportViolation(
                `rule ${entry.rule.name}: Spring ${from}% → ${entry.springPercent}% while the cut-in is at phase ${record.phase}; promote the cut-in first`,
                entry.rule.resource.urn,
            );
        }
    },
};

export interface OldOriginRetainedConfig {
    minBakeDays: number;
    evaluationDate?: string;
}

export const cutinOldOriginRetained: StackValidationPolicy = {
    name: "cutin-old-origin-retained",
    description:
        "The old origin (the live Beanstalk environment) stays one config change away, unchanged, until the promoted cut-in has baked for cutin.bakeDays since the deployed cutin.cutinDate; the date is recorded only on the day, in the update that promotes.",
    severity: "critical",
    remediationSteps:
        "Keep cutin (with cutin.retired false and the old origin as deployed) until the deployed cutinDate + bakeDays (at least the policy's minBakeDays) has passed; then set cutin.retired true in an update of its own. Let `cutin promote` record cutin.cutinDate (today, with phase promoted).",
    configSchema: {
        properties: {
            minBakeDays: { type: "integer", minimum: 0, default: 14 },
            evaluationDate: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<OldOriginRetainedConfig>();
        const record = cutinRecord(args.resources);
        const deployed = deployedCutin(args.resources);
        const was = typeof deployed === "object" ? deployed : undefined;
        if (!record && !(was && !was.retired)) {
            args.notApplicable("no cut-in in this stack");
            return;
        }
        if (was?.retired) {
            // Retirement is the cut-in's point of no return (the runbook terminates the old
            // environments after it, and the canary tool refuses `cutin rollback`): the deployed
            // state names no old origin, so naming one again points the edge's way back at an
            // origin the pack cannot judge, perhaps gone. Nothing more is forgotten otherwise.
            if (record && record.retired !== true) {
                reportViolation(
                    `the deployed cut-in has retired the old origin; cutin.retired false (phase ${record.phase}) names it again: retirement is the point of no return — roll back on the routed ALB (Spring and Beanstalk colors) instead`,
                );
            }
            return;
        }
        // The bake is judged from what is deployed: both the deployed and the new phase promoted, since the deployed date.
        const bake = () => {
            if (record && record.phase !== "promoted") return `the cut-in is at phase ${record.phase}, not promoted`;
            if (!was) return deployed === undefined ? "the deployed cut-in cannot be read" : "no cut-in is deployed";
            return bakeProblem({
                phase: was.phase,
                cutinDate: was.cutinDate ?? undefined,
                bakeDays: Math.max(record?.bakeDays ?? 0, config.minBakeDays ?? 14),
                today: today(config),
            });
        };

        // The bake clock starts on the day the promoted cut-in is recorded: a new or changed date must be today's, at promoted.
        const date = record?.cutinDate ?? null;
        if (record && date !== null && date !== (was?.cutinDate ?? null)) {
            const notToday =
                backDated("cutin.cutinDate", date, config) ??
                (date > today(config) ? `cutin.cutinDate ${date} lies after today (${today(config)}): record the day of the promotion` : undefined);
            if (notToday) reportViolation(notToday);
            if (record.phase !== "promoted")
                reportViolation(`cutin.cutinDate ${date} is recorded at phase ${record.phase}: record it in the update that moves to promoted`);
        }

        // The old origin may not be rewritten (a rollback target in name only) before the bake, nor be one of this stack's own environments.
        const old = record?.oldOrigin;
        if (old) {
            const changed = !!was?.oldOrigin && !sameHost(old.domainName, was.oldOrigin);
            if (changed) {
                const why = bake();
                if (why)
                    reportViolation(
                        `the old origin changes (${was!.oldOrigin} → ${old.domainName}) while ${why}: the rollback target is the environment the live distribution used`,
                    );
            }
            const own = changed || !was?.oldOrigin ? ownEnvironment(args.resources, old.domainName) : undefined;
            if (own)
                reportViolation(
                    `the old origin ${old.domainName} is this stack's own Beanstalk environment ${own}, not the old live environment: a rollback to it would not leave the new setup`,
                );
        }

        const forgetting = record ? record.oldOrigin === null || record.oldOrigin === undefined : true;
        if (!forgetting) return;
        const problem = bake();
        if (problem) reportViolation(`the old origin would be forgotten while ${problem}`);
    },
};

/**
 * The name of this stack's Beanstalk environment that `domain` reaches, if any: its CNAME
 * (once known), or a first label equal to the environment's name or CNAME prefix (before it exists).
 */
function ownEnvironment(resources: readonly PolicyResource[], domain: unknown): string | undefined {
    if (typeof domain !== "string") return undefined;
    const label = domain.toLowerCase().split(".")[0];
    for (const env of resources.filter((r) => r.type === TYPES.beanstalkEnvironment)) {
        const p = env.props as any;
        const cname = read(() => p.cname);
        const names = [read(() => p.name), read(() => p.cnamePrefix)].filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase());
        if (sameHost(cname, domain) || names.includes(label)) return env.name;
    }
    return undefined;
}

export const cutinPolicies = [cutinPhaseOrder, cutinContinuousDeploymentLimits, cutinOneRiskAtATime, cutinOldOriginRetained];
