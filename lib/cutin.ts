/**
 * The cut-in from the live system (CloudFront → a Beanstalk environment CNAME) onto the
 * routed ALB, as an ordered list of phases. Pure: what each phase declares at the edge,
 * which moves between phases are one forward step or a move back, and the CloudFront
 * continuous deployment limits. Shared by the config schema, the CutinEdge component,
 * the cut-in policy, the plan and the canary tool, so that all of them agree.
 *
 * CloudFront facts (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment-quotas-considerations.html,
 * .../understanding-continuous-deployment.html):
 * - a weight-based policy sends at most 15 % to the staging distribution, with session
 *   stickiness idle 300–3600 s; a header-based policy needs a header named `aws-cf-cd-…`;
 * - continuous deployment is not available on a distribution that supports HTTP/3;
 * - a WAF web ACL cannot be associated or disassociated while a policy is attached;
 * - during CloudFront's own traffic peaks all requests go to the primary: the weight is a
 *   ceiling, never a promise.
 * Removing a policy: a staging distribution cannot be deleted while a policy uses it
 * (StagingDistributionInUse, terraform-provider-aws#33575), a policy cannot be deleted while a
 * primary distribution names it (API reference, DeleteContinuousDeploymentPolicy), and
 * leaving `continuousDeploymentPolicyId` out of the primary does not detach it (the argument
 * is optional+computed, terraform-provider-aws#34511). So the policy is disabled in one
 * update (`detached`); before the next (`promoted`) the canary tool detaches it from the
 * primary through the CloudFront API and refreshes the primary; that update then deletes the
 * policy, then the staging distribution (tools/canary/cutin.ts).
 *
 * The two distributions (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-continuous-deployment.html,
 * "Update primary and staging distributions"; API reference, UpdateDistributionWithStagingConfig):
 * - "a staging distribution starts as a copy of the primary distribution" (continuous deployment
 *   workflow), and while a policy is attached only cache behaviors, origins and origin groups,
 *   custom error responses, geographic restrictions, the default root object, logging and the
 *   comment can change on either of them: the viewer certificate, minimum TLS version, price
 *   class, IPv6, HTTP version and web ACL are fixed from the moment the staging distribution exists;
 * - AWS's own promotion (UpdateDistributionWithStagingConfig) copies the staging distribution's
 *   whole configuration onto the primary, except the primary's aliases and policy id, and
 *   disables the policy; so a staging distribution that differs from the primary in anything
 *   but its origin would put that difference on the viewer-facing distribution;
 * - a staging distribution has no aliases ("viewers cannot send requests directly to a staging
 *   distribution using a DNS name, IP address, or CNAME") and no HTTP/3 (quotas page).
 * So the staging distribution is derived from the primary's arguments by one pure function
 * (stagingConfigOf) and differs only in the origin the default cache behavior targets.
 */

/** The phases, in forward order. Moving back is any number of steps; forward is one. */
export const CUTIN_PHASES = ["adopted", "staged", "header", "weight", "promoting", "detached", "promoted"] as const;
export type CutinPhase = (typeof CUTIN_PHASES)[number];

export const CD_MAX_WEIGHT_PERCENT = 15;
export const CD_STICKINESS_MIN_SECONDS = 300;
export const CD_STICKINESS_MAX_SECONDS = 3600;
export const CD_HEADER_PREFIX = "aws-cf-cd-";
/** Edge weight rungs (percent of viewer requests to the staging distribution). */
export const DEFAULT_EDGE_LADDER: readonly number[] = [1, 5, 10, 15];

/** What one phase declares at the edge. */
export interface EdgeShape {
    /** Where the primary (the adopted, viewer-facing distribution) sends requests. */
    primaryOrigin: "old" | "routed";
    /** The staging distribution (origin: the routed ALB) exists. */
    staging: boolean;
    /** The continuous deployment policy on the primary, when it exists. */
    policy?: { enabled: boolean; traffic: "header" | "weight" };
}

const SHAPES: Record<CutinPhase, EdgeShape> = {
    adopted: { primaryOrigin: "old", staging: false },
    // The staging distribution deploys (minutes) while the policy is off: no viewer reaches it.
    staged: { primaryOrigin: "old", staging: true, policy: { enabled: false, traffic: "header" } },
    header: { primaryOrigin: "old", staging: true, policy: { enabled: true, traffic: "header" } },
    weight: { primaryOrigin: "old", staging: true, policy: { enabled: true, traffic: "weight" } },
    // Both edge paths now reach the routed ALB; the policy is unchanged, so nothing moves back.
    promoting: { primaryOrigin: "routed", staging: true, policy: { enabled: true, traffic: "weight" } },
    // Disabled before it is detached from the primary and deleted (tools/canary/cutin.ts).
    detached: { primaryOrigin: "routed", staging: true, policy: { enabled: false, traffic: "weight" } },
    promoted: { primaryOrigin: "routed", staging: false },
};

export function edgeShape(phase: CutinPhase): EdgeShape {
    return SHAPES[phase];
}

export function phaseIndex(phase: CutinPhase): number {
    return CUTIN_PHASES.indexOf(phase);
}

export function nextPhase(phase: CutinPhase): CutinPhase | undefined {
    return CUTIN_PHASES[phaseIndex(phase) + 1];
}

/** A cut-in phase at which the Spring canary may leave 0 %: the edge is on the routed ALB for good. */
export function edgeIsPromoted(phase: CutinPhase): boolean {
    return phase === "promoted";
}

/** True when going from `from` to `to` removes the policy and the staging distribution. */
export function removesContinuousDeployment(from: CutinPhase, to: CutinPhase): boolean {
    return edgeShape(from).policy !== undefined && edgeShape(to).policy === undefined;
}

/** The share of viewer requests each edge path carries, in percent (a ceiling for the staging path). */
export interface EdgeShares {
    /** Primary distribution → the old origin (the Beanstalk environment CNAME). */
    old: number;
    /** To the routed ALB, through the staging distribution or the promoted primary. */
    routed: number;
    /** Requests carrying the header go to the staging distribution (testers), whatever the weight. */
    headerToRouted: boolean;
}

export function edgeShares(phase: CutinPhase, edgeWeight: number): EdgeShares {
    const shape = edgeShape(phase);
    const routedByWeight = shape.policy?.enabled && shape.policy.traffic === "weight" ? edgeWeight : 0;
    const routed = shape.primaryOrigin === "routed" ? 100 : routedByWeight;
    return {
        old: 100 - routed,
        routed,
        headerToRouted: shape.primaryOrigin === "old" && shape.policy?.enabled === true && shape.policy.traffic === "header",
    };
}

export interface CutinPoint {
    phase: CutinPhase;
    edgeWeight: number;
}

export type Direction = "forward" | "back" | "same";

/**
 * Classify a move from the deployed cut-in point to a new one and say what is wrong with
 * it, if anything. Back (toward `adopted`, or a lower weight in the same phase) is always
 * allowed; forward is one phase at a time, and the weight one rung of the edge ladder.
 */
export function cutinMove(from: CutinPoint, to: CutinPoint, ladder: readonly number[] = DEFAULT_EDGE_LADDER): { direction: Direction; problem?: string } {
    const a = phaseIndex(from.phase);
    const b = phaseIndex(to.phase);
    const weighted = (p: CutinPhase) => edgeShape(p).policy?.traffic === "weight";
    if (b < a) return { direction: "back" };
    if (b === a) {
        if (!weighted(to.phase) || to.edgeWeight === from.edgeWeight) return { direction: "same" };
        if (to.edgeWeight < from.edgeWeight) return { direction: "back" };
        const limit = nextEdgeRung(from.edgeWeight, ladder);
        return to.edgeWeight > limit + 1e-9
            ? { direction: "forward", problem: `edge weight ${from.edgeWeight}% → ${to.edgeWeight}% skips rungs; the next rung up is ${limit}%` }
            : { direction: "forward" };
    }
    if (b > a + 1) {
        return {
            direction: "forward",
            problem: `cut-in phase ${from.phase} → ${to.phase} skips ${CUTIN_PHASES.slice(a + 1, b).join(", ")}; the next phase is ${CUTIN_PHASES[a + 1]}`,
        };
    }
    if (to.phase === "weight" && to.edgeWeight > nextEdgeRung(0, ladder) + 1e-9) {
        return { direction: "forward", problem: `the weight phase starts at ${nextEdgeRung(0, ladder)}% at most, not ${to.edgeWeight}%` };
    }
    if (to.phase === "promoting" && from.edgeWeight !== to.edgeWeight) {
        return { direction: "forward", problem: "promotion keeps the deployed edge weight (only the primary's origin changes)" };
    }
    return { direction: "forward" };
}

/** The highest edge weight one step may reach from `from` (the top rung past the end). */
export function nextEdgeRung(from: number, ladder: readonly number[] = DEFAULT_EDGE_LADDER): number {
    const rungs = [...ladder].sort((x, y) => x - y);
    return rungs.find((r) => r > from + 1e-9) ?? rungs[rungs.length - 1];
}

/** Whole days from one YYYY-MM-DD date to another. */
export function daysFrom(from: string, to: string): number {
    return Math.floor((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Whether the old origin may be forgotten: promoted, with a recorded cut-in date, and the bake over. */
export function bakeProblem(args: { phase: CutinPhase; cutinDate?: string; bakeDays: number; today: string }): string | undefined {
    if (args.phase !== "promoted") return `the cut-in is at phase ${args.phase}, not promoted`;
    if (!args.cutinDate) return "cutin.cutinDate is not recorded";
    const held = daysFrom(args.cutinDate, args.today);
    return held >= args.bakeDays ? undefined : `the cut-in of ${args.cutinDate} has baked ${Math.max(held, 0)} of ${args.bakeDays} days`;
}

/** CloudFront continuous deployment limits for a header name, a weight and session stickiness. */
export function continuousDeploymentProblems(args: {
    headerName?: string;
    weightPercent?: number;
    stickiness?: { idleSeconds: number; maximumSeconds: number };
    httpVersion?: string;
}): string[] {
    const out: string[] = [];
    if (args.headerName !== undefined && !args.headerName.toLowerCase().startsWith(CD_HEADER_PREFIX)) {
        out.push(`header ${args.headerName} must start with ${CD_HEADER_PREFIX}`);
    }
    if (args.weightPercent !== undefined && !(args.weightPercent > 0 && args.weightPercent <= CD_MAX_WEIGHT_PERCENT)) {
        out.push(`weight ${args.weightPercent}% is outside CloudFront's 0–${CD_MAX_WEIGHT_PERCENT} %`);
    }
    if (args.stickiness) {
        const { idleSeconds: idle, maximumSeconds: max } = args.stickiness;
        const inRange = (n: number) => n >= CD_STICKINESS_MIN_SECONDS && n <= CD_STICKINESS_MAX_SECONDS;
        if (!inRange(idle) || !inRange(max) || idle > max) {
            out.push(
                `session stickiness idle ${idle}s / maximum ${max}s must be ${CD_STICKINESS_MIN_SECONDS}–${CD_STICKINESS_MAX_SECONDS}s with idle ≤ maximum`,
            );
        }
    }
    if (args.httpVersion !== undefined && /3/.test(args.httpVersion)) {
        out.push(`httpVersion ${args.httpVersion}: continuous deployment is not available on a distribution that supports HTTP/3`);
    }
    return out;
}

// ---------------------------------------------------------------------------
// The two distributions: the staging distribution is the primary with the routed origin.

/** An origin as the cut-in reads it; every other key is carried as it is. */
export interface OriginConfig {
    originId: string;
    [key: string]: unknown;
}

/** A cache behavior as the cut-in reads it; every other key is carried as it is. */
export interface BehaviorConfig {
    targetOriginId: string;
    functionAssociations?: { eventType: string; functionArn: unknown }[];
    lambdaFunctionAssociations?: { eventType: string; [key: string]: unknown }[];
    [key: string]: unknown;
}

/**
 * A distribution's arguments (aws.cloudfront.DistributionArgs as data): the keys the cut-in
 * reads, every other key (certificate, logging, error responses, WAF, …) carried as it is.
 */
export interface DistributionConfig {
    origins: OriginConfig[];
    defaultCacheBehavior: BehaviorConfig;
    orderedCacheBehaviors?: BehaviorConfig[];
    [key: string]: unknown;
}

/**
 * What only the primary carries: its hostnames (a staging distribution has none, and
 * CloudFront's own promotion keeps the primary's) and the policy id (kept by the promotion too).
 * `staging` is the flag that makes the other one the staging distribution; `tags` are not part
 * of a distribution's configuration (TagResource, not UpdateDistribution), so the promotion
 * never copies them: the staging distribution carries the stack's own.
 */
export const PRIMARY_ONLY_KEYS = ["aliases", "continuousDeploymentPolicyId"] as const;
export const NOT_CONFIGURATION_KEYS = ["staging", "tags"] as const;

/** The origin the default cache behavior sends to: the old origin until promotion, the routed ALB after. */
export function defaultOriginOf(config: DistributionConfig): OriginConfig | undefined {
    return config.origins.find((o) => o.originId === config.defaultCacheBehavior.targetOriginId);
}

const behaviorsOf = (config: DistributionConfig): BehaviorConfig[] => [config.defaultCacheBehavior, ...(config.orderedCacheBehaviors ?? [])];

/** `config` with each behavior passed through `f` (the default one and the ordered ones). */
function mapBehaviors<T extends DistributionConfig>(config: T, f: (b: BehaviorConfig) => BehaviorConfig): T {
    return {
        ...config,
        defaultCacheBehavior: f(config.defaultCacheBehavior),
        ...(config.orderedCacheBehaviors ? { orderedCacheBehaviors: config.orderedCacheBehaviors.map(f) } : {}),
    };
}

/**
 * `config` with the origin its default cache behavior targets replaced by `routed`, in the same
 * place, and every behavior that targeted it (default and ordered) retargeted; other origins and
 * the behaviors that use them stay. Idempotent: on a config already on `routed` it changes nothing.
 */
export function withRoutedOrigin<T extends DistributionConfig>(config: T, routed: OriginConfig): T {
    const from = config.defaultCacheBehavior.targetOriginId;
    const retargeted = mapBehaviors(config, (b) => (b.targetOriginId === from ? { ...b, targetOriginId: routed.originId } : b));
    return { ...retargeted, origins: config.origins.map((o) => (o.originId === from ? routed : o)) };
}

/**
 * `config` with a CloudFront Function on the viewer-request event of every behavior that uses
 * the default origin (the QA viewer filter: it sees the viewer's address, which the ALB never
 * does). The same behaviors on both distributions, so that they stay equal but for the origin.
 */
export function withViewerRequestFunction<T extends DistributionConfig>(config: T, functionArn: unknown): T {
    const target = config.defaultCacheBehavior.targetOriginId;
    return mapBehaviors(config, (b) =>
        b.targetOriginId === target ? { ...b, functionAssociations: [...(b.functionAssociations ?? []), { eventType: "viewer-request", functionArn }] } : b,
    );
}

/** Why `withViewerRequestFunction` cannot add a viewer-request function to `config`'s behaviors (one function per event type). */
export function viewerRequestConflicts(config: DistributionConfig): string[] {
    const target = config.defaultCacheBehavior.targetOriginId;
    return behaviorsOf(config)
        .filter((b) => b.targetOriginId === target)
        .filter(
            (b) =>
                (b.functionAssociations ?? []).some((f) => f.eventType === "viewer-request") ||
                (b.lambdaFunctionAssociations ?? []).some((f) => f.eventType === "viewer-request"),
        )
        .map((b) => `the cache behavior ${typeof b.pathPattern === "string" ? `for ${b.pathPattern}` : "(default)"} already runs a viewer-request function`);
}

/**
 * The primary's arguments at a phase: at `adopted` exactly as imported; from then on with the
 * QA viewer filter (when testers are restricted by address), and from `promoting` on with the
 * routed ALB in place of the old origin. Everything else (certificate, logging, error responses,
 * WAF, geo restriction, functions, policies, price class, IPv6) stays the live distribution's.
 */
export function primaryConfigAt<T extends DistributionConfig>(adopted: T, phase: CutinPhase, routed: { origin: OriginConfig; viewerFilterArn?: unknown }): T {
    if (phase === "adopted") return adopted;
    const filtered = routed.viewerFilterArn === undefined ? adopted : withViewerRequestFunction(adopted, routed.viewerFilterArn);
    return edgeShape(phase).primaryOrigin === "routed" ? withRoutedOrigin(filtered, routed.origin) : filtered;
}

/**
 * The staging distribution's arguments, from the primary's: the same configuration with the
 * routed ALB in place of the origin the primary's default cache behavior targets, without what
 * only the primary carries (its hostnames, its policy id), marked `staging`, and without HTTP/3
 * (which continuous deployment excludes; the config refuses it on the primary from `staged` on,
 * so in practice the two are equal there too). What AWS's promotion copies back is then exactly
 * what the primary declares at `promoting`.
 */
export function stagingConfigOf<T extends DistributionConfig>(primary: T, routedOrigin: OriginConfig): DistributionConfig {
    const copy: Record<string, unknown> = { ...withRoutedOrigin(primary, routedOrigin) };
    for (const key of [...PRIMARY_ONLY_KEYS, ...NOT_CONFIGURATION_KEYS]) delete copy[key];
    const http = typeof primary.httpVersion === "string" && /3/.test(primary.httpVersion) ? { httpVersion: "http2" } : {};
    return { ...(copy as DistributionConfig), ...http, staging: true };
}
