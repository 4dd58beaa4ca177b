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
import { ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID, ALL_VIEWER_EXCEPT_HOST_POLICY_ID, ALL_VIEWER_POLICY_ID } from "./cloudfront";
import { SECRET_PLACEHOLDER } from "./contract";

export const CUTIN_PHASES = ["adopted", "staged", "header", "weight", "promoting", "detached", "promoted"] as const;
export type CutinPhase = (typeof CUTIN_PHASES)[number];

export const CD_MAX_WEIGHT_PERCENT = 15;
export const CD_STICKINESS_MIN_SECONDS = 300;
export const CD_STICKINESS_MAX_SECONDS = 3600;
export const CD_HEADER_PREFIX = "aws-cf-cd-";
/**
 * The cut-in header's two slots. A header-based policy matches one header and one value
 * (API reference, ContinuousDeploymentSingleHeaderConfig), so each slot has a header of its own:
 * during a rotation testers send both, and whichever one an edge location's copy of the policy
 * matches routes them.
 */
export const CD_HEADER_SLOTS = ["a", "b"] as const;
export type HeaderSlot = (typeof CD_HEADER_SLOTS)[number];

/** A slot's header name: the configured stem and the slot. */
export const slotHeader = (stem: string, slot: HeaderSlot) => `${stem}-${slot}`;
/**
 * The header-based policy's value is the only lock on the not-yet-approved path: a secret of 16 to
 * 256 visible characters (e.g. `openssl rand -hex 32`); offline, the placeholder of a secure value.
 */
export const isCdHeaderSecret = (v: unknown): boolean => v === SECRET_PLACEHOLDER || (typeof v === "string" && /^[\x21-\x7e]{16,256}$/.test(v));
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

/** Property paths at which two JSON values differ (lists of one length index by index, else whole). */
function differences(a: unknown, b: unknown, at = ""): string[] {
    if (Object.is(a, b)) return [];
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
    if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return [at || "(root)"];
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return [at || "(root)"];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
}

/**
 * Where the staging distribution's arguments differ from the primary's beyond what continuous
 * deployment allows (empty: it mirrors the primary). Written from the rule, not from
 * stagingConfigOf: each one's default cache behavior may target an origin of its own, and the
 * behaviors that target it follow; what only one of them carries (PRIMARY_ONLY_KEYS,
 * NOT_CONFIGURATION_KEYS) is left out; everything else must be equal.
 */
export function mirrorDifferences(primary: DistributionConfig, staging: DistributionConfig): string[] {
    const normal = (d: DistributionConfig) => {
        const edge = d.defaultCacheBehavior.targetOriginId;
        // The edge origin's behaviors: which origin they target, and whether they forward Host (the old
        // origin needs it, the routed ALB must not have it: routedRequestPolicy), are what may differ.
        const viewerHeaders = (policy: unknown) =>
            [...HOST_FORWARDING_POLICIES, ALL_VIEWER_EXCEPT_HOST_POLICY_ID].includes(String(policy)) ? "<all viewer headers>" : policy;
        const retarget = (b: BehaviorConfig) =>
            b.targetOriginId === edge ? { ...b, targetOriginId: "<edge origin>", originRequestPolicyId: viewerHeaders(b.originRequestPolicyId) } : b;
        const rest = Object.fromEntries(Object.entries(d).filter(([k]) => !([...PRIMARY_ONLY_KEYS, ...NOT_CONFIGURATION_KEYS] as string[]).includes(k)));
        return {
            ...rest,
            origins: d.origins.map((o) => (o.originId === edge ? "<edge origin>" : o)),
            defaultCacheBehavior: retarget(d.defaultCacheBehavior),
            ...(d.orderedCacheBehaviors ? { orderedCacheBehaviors: d.orderedCacheBehaviors.map(retarget) } : {}),
        };
    };
    return differences(normal(primary), normal(staging));
}

// ---------------------------------------------------------------------------
// Promotion: only from the top edge rung, once it has baked.

/** A UTC time to the minute as the tool records it (cutin.topRungAt): 2026-12-06T14:05Z. */
export const MINUTE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\dZ$/;
/**
 * How long before the update that deploys it `cutin.topRungAt` may have been written: the bake
 * counts from the deploy, so a time written long before (a step written in the morning, deployed
 * in the afternoon) or back-dated would shorten it. Re-running `cutin next` records a fresh one.
 */
export const TOP_RUNG_RECORD_MAX_LAG_MINUTES = 30;
/** Clocks disagree by seconds; a time this far ahead of the evaluating clock is no mistake. */
const CLOCK_SKEW_MINUTES = 5;
const MINUTE_MS = 60_000;

/** `cutin.topRungAt`'s text for a clock reading (ms since the epoch), to the minute. */
export function minuteOf(now: number): string {
    return `${new Date(now).toISOString().slice(0, 16)}Z`;
}

/** A recorded minute as ms since the epoch, or NaN when it is not one. */
export function parseMinute(text: string): number {
    return MINUTE_PATTERN.test(text) ? Date.parse(text.replace(/Z$/, ":00Z")) : NaN;
}

/** The top rung of an edge ladder: the highest weight, the one promotion starts from. */
export function topEdgeRung(ladder: readonly number[] = DEFAULT_EDGE_LADDER): number {
    return Math.max(...ladder);
}

/** The edge as the cut-in's bake reads it: a point, and the recorded time it reached the top rung. */
export type TimedCutinPoint = CutinPoint & { topRungAt?: string | null };

const atTop = (p: CutinPoint, top: number) => p.phase === "weight" && p.edgeWeight === top;

/**
 * Why this update's `cutin.topRungAt` is not the time the edge reached the top rung (empty: it
 * is). The update that takes the edge onto the top rung records a new one, and any update that
 * changes it does so at the top rung; a new time is the time of the update: not after `now`, and
 * not more than TOP_RUNG_RECORD_MAX_LAG_MINUTES before it (a back-dated time counts a bake that
 * never happened). A time left from an earlier stay at the top is harmless below it (the next
 * climb must replace it), so a move back never has to touch it.
 */
export function topRungRecordProblems(args: { deployed: TimedCutinPoint; to: TimedCutinPoint; ladder?: readonly number[]; now: number }): string[] {
    const { deployed, to, now } = args;
    const top = topEdgeRung(args.ladder);
    const recorded = to.topRungAt ?? null;
    const changed = recorded !== (deployed.topRungAt ?? null);
    if (atTop(to, top) && !atTop(deployed, top) && !changed) {
        return [
            `the edge reaches the top rung (${top}%) without a new cutin.topRungAt${recorded ? ` (${recorded} is from an earlier stay at the top)` : ""}: record the time of this update (npm run canary -- cutin next does)`,
        ];
    }
    if (!changed || recorded === null) return [];
    if (!atTop(to, top)) {
        return [
            `cutin.topRungAt ${recorded} is recorded at phase ${to.phase}${to.phase === "weight" ? ` ${to.edgeWeight}%` : ""}: it is the time the edge reaches the top rung (weight ${top}%), recorded in that update`,
        ];
    }
    const at = parseMinute(recorded);
    if (Number.isNaN(at)) return [`cutin.topRungAt ${recorded} is not a UTC time such as ${minuteOf(now)}`];
    if (at > now + CLOCK_SKEW_MINUTES * MINUTE_MS) return [`cutin.topRungAt ${recorded} lies after now (${minuteOf(now)}): record the time of the update`];
    const lag = Math.floor((now - at) / MINUTE_MS);
    if (lag > TOP_RUNG_RECORD_MAX_LAG_MINUTES) {
        return [
            `cutin.topRungAt ${recorded} lies ${lag} minutes before this update (at most ${TOP_RUNG_RECORD_MAX_LAG_MINUTES}): the top rung's bake counts from its deploy; record the time again (npm run canary -- cutin next) and deploy at once`,
        ];
    }
    return [];
}

/** When the top rung's bake ends (ms), or undefined without a readable `topRungAt`. */
export function topRungBakeEnds(topRungAt: string | null | undefined, bakeMinutes: number): number | undefined {
    const at = topRungAt ? parseMinute(topRungAt) : NaN;
    return Number.isNaN(at) ? undefined : at + bakeMinutes * MINUTE_MS;
}

/**
 * Why the deployed edge may not be promoted now (undefined: it may). Promotion moves every
 * viewer onto the routed ALB in one update, so it starts only from the top edge rung, deployed,
 * after that rung has held for `bakeMinutes` since its recorded time. (The alarms during the
 * bake are the canary tool's to check: the pack cannot read CloudWatch.)
 */
export function promotionProblem(args: { deployed: TimedCutinPoint; ladder?: readonly number[]; bakeMinutes: number; now: number }): string | undefined {
    const { deployed, bakeMinutes, now } = args;
    const top = topEdgeRung(args.ladder);
    if (deployed.phase !== "weight") return `promotion starts from phase weight at the top edge rung (${top}%), not from ${deployed.phase}`;
    if (deployed.edgeWeight !== top) {
        return `promotion starts from the top edge rung (${top}%), baked; the deployed edge weight is ${deployed.edgeWeight}%: climb the rungs first (npm run canary -- cutin next)`;
    }
    const ends = topRungBakeEnds(deployed.topRungAt, bakeMinutes);
    if (ends === undefined) {
        return `the time the top edge rung was deployed (cutin.topRungAt) is not recorded, so its bake cannot be judged: record it (npm run canary -- cutin next) and let it bake ${bakeMinutes} minutes`;
    }
    if (now < ends) {
        const held = Math.max(0, Math.floor((now - (ends - bakeMinutes * MINUTE_MS)) / MINUTE_MS));
        return `the top edge rung (${top}%, since ${deployed.topRungAt}) has baked ${held} of ${bakeMinutes} minutes: promote from ${minuteOf(ends)}`;
    }
    return undefined;
}

/**
 * The top rung's bake as the policy pack judges a move (cutin-phase-order): the recorded time
 * (topRungRecordProblems) and, for the move into promoting, the deployed top rung's bake
 * (promotionProblem) — of the longer of the deployed and the new bake, so that lowering
 * cutin.topRungBakeMinutes counts only once deployed.
 */
export function topRungBakeProblems(args: {
    deployed: TimedCutinPoint & { topRungBakeMinutes?: number };
    to: TimedCutinPoint & { topRungBakeMinutes?: number };
    ladder?: readonly number[];
    now: number;
}): string[] {
    const { deployed, to, ladder, now } = args;
    const problems = topRungRecordProblems({ deployed, to, ladder, now });
    if (deployed.phase === "weight" && to.phase === "promoting") {
        const bakeMinutes = Math.max(deployed.topRungBakeMinutes ?? 0, to.topRungBakeMinutes ?? 0);
        const problem = promotionProblem({ deployed, ladder, bakeMinutes, now });
        if (problem) problems.push(problem);
    }
    return problems;
}

// ---------------------------------------------------------------------------
// The end: the adopted distribution stays as the stack's permanent edge.

/** The cut-in as the end rules read it (deployed, or this update's record). */
export interface CutinEndPoint {
    phase: CutinPhase;
    retired: boolean;
    ended: boolean;
}

/**
 * Why the `cutin` section may not go once a cut-in is deployed. Its primary distribution and
 * hostname records carry every viewer: without it the program would delete them and declare a
 * new distribution without the hostnames, and a record for the same name, which Route 53 refuses
 * to create while the old one exists (Pulumi creates before it deletes); in production `protect`
 * turns that into a failed update, elsewhere the hostname is lost. So the cut-in ends by
 * `cutin.ended`, under the same resource names, never by removal.
 */
export function cutinRemovalProblem(deployed: CutinEndPoint): string {
    if (!deployed.retired) {
        return `the cut-in (deployed at phase ${deployed.phase}) was removed before the old origin was retired: keep cutin until cutin.retired has been deployed`;
    }
    return `the cut-in (deployed${deployed.ended ? ", ended" : ", retired"}) was removed: that deletes the adopted distribution and its hostname records, which carry every viewer, and declares a new distribution without the hostnames; keep cutin as the stack's permanent edge${deployed.ended ? "" : " and end it instead: npm run canary -- cutin end"}`;
}

/** Why this update may not end the cut-in (undefined: it may, or it does not end it). Ending changes nothing in AWS, so it comes alone, after the retirement is deployed. */
export function endProblem(args: { deployed: CutinEndPoint; record: CutinEndPoint }): string | undefined {
    const { deployed, record } = args;
    if (!record.ended || deployed.ended) return undefined;
    if (deployed.phase !== "promoted" || !deployed.retired) {
        return `cutin.ended is set while the deployed cut-in is at phase ${deployed.phase}${deployed.retired ? "" : " with the old origin not retired"}: end it in an update of its own, once the retirement is deployed`;
    }
    return record.phase === "promoted" && record.retired ? undefined : "cutin.ended comes with phase promoted and the old origin retired";
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
 * Managed origin request policies that forward the viewer's Host header (CloudFront Developer
 * Guide, "Use managed origin request policies": AllViewer and AllViewerAndCloudFrontHeaders-2022-06
 * include Host; AllViewerExceptHostHeader does not).
 */
const HOST_FORWARDING_POLICIES: readonly string[] = [ALL_VIEWER_POLICY_ID, ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID];

/**
 * The origin request policy of a behavior sent to the routed ALB. The old origin's behaviors
 * forward Host (its load balancer's certificate covers the viewer hostname), but CloudFront checks
 * an HTTPS origin's certificate against the Host header it forwards, else against the origin's
 * domain name (CloudFront Developer Guide, "Requirements for using SSL/TLS certificates with
 * CloudFront"): the ALB's certificate covers the origin name (edge.originDomain), not the viewer
 * hostname, so forwarding Host to it would fail every request with a 502. Every other viewer
 * header still goes (AllViewerExceptHostHeader); a policy that forwards no Host stays.
 */
function routedRequestPolicy(b: BehaviorConfig): Partial<BehaviorConfig> {
    return HOST_FORWARDING_POLICIES.includes(String(b.originRequestPolicyId)) ? { originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID } : {};
}

/**
 * `config` with the origin its default cache behavior targets replaced by `routed`, in the same
 * place, and every behavior that targeted it (default and ordered) retargeted; other origins and
 * the behaviors that use them stay. Idempotent: on a config already on `routed` it changes nothing.
 */
export function withRoutedOrigin<T extends DistributionConfig>(config: T, routed: OriginConfig): T {
    const from = config.defaultCacheBehavior.targetOriginId;
    const retargeted = mapBehaviors(config, (b) => (b.targetOriginId === from ? { ...b, ...routedRequestPolicy(b), targetOriginId: routed.originId } : b));
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
