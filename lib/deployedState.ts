/**
 * The deployed state: what the stack exports (output `deployedState`) so that the next
 * update's policy pack can compare the new state against it. CrossGuard sees only the new
 * state; the stack's StackReference to itself returns these outputs of the last
 * deployment. The same object is recorded on a `DeployedState` component in the new
 * state, so the pack can check the claim against the resources it describes.
 *
 * Pure: computed from the config model only. The pack imports the types and the readers
 * (no zod, no Pulumi runtime).
 */
import { Capacity, capacityOf } from "./capacity";
import type { StackModel } from "./config";
import { pathMatches } from "./pathPatterns";
import { CATCH_ALL_PRIORITY, routePriority } from "./priorities";

/** Bumped when the shape changes; the pack refuses a version it does not know (it cannot judge against it). */
export const DEPLOYED_STATE_VERSION = 1;

type Color = "blue" | "green";
type Slot = "a" | "b";

/**
 * One rule the public can reach (it needs no secret token): the requests it matches get
 * `springPercent` % Spring. The public traffic of a stack is the first matching entry in
 * priority order.
 */
export interface TrafficEntry {
    priority: number;
    /** Path patterns; null: every path. */
    paths: string[] | null;
    springPercent: number;
}

/**
 * @typeParam Arn how a target group ARN is held: a string in a record read back, a
 * `pulumi.Output<string>` while the program builds it (this module imports no Pulumi).
 */
export interface DeployedState<Arn = string> {
    version: typeof DEPLOYED_STATE_VERSION;
    /** The public rules in priority order: the effective Spring share per request path. */
    traffic: TrafficEntry[];
    liveColors: { legacy: Color | null; spring: Color };
    legacyPresent: boolean;
    /** Whether the rollback targets (ALB, ECS services, Beanstalk pair) were `protect`ed. */
    protectRollbackTargets: boolean;
    /** Whether the Beanstalk pair was `protect`ed (`legacy.protect`, lifted alone by the decommission command). */
    legacyProtected: boolean;
    stickinessSeconds: number;
    /** The header names the rules and CloudFront actually use. */
    headers: { originVerify: string; route: string; token: string };
    /** The origin-verify secret slots: which one CloudFront sends, which the ALB accepts, and each one's generation. */
    originVerify: { send: Slot; accept: Slot[]; generation: Record<Slot, number> };
    migration: { cutoverDate: string | null; bakeDays: number };
    /**
     * Beanstalk's target groups, by color, that the rules forward Rails' share to (null: no
     * pair). Optional, so the version stays 1: a record written before this field existed
     * has none, and the pack then accepts only target groups the pair found by Beanstalk's
     * environment-id tag (never ARNs from config) until they are recorded.
     */
    legacyTargetGroupArns?: Record<Color, Arn> | null;
    /**
     * Each color's capacity (Spring's desired tasks, Beanstalk's MinSize). Optional, so the
     * version stays 1: without it (a record from before the field) `idle-color-warm` excuses
     * no deployed shortfall.
     */
    capacity?: Capacity;
}

/** `legacyTargetGroupArns`: the pair's target groups (looked up or from config), ignored when the model has no pair. */
export function deployedStateOf<Arn = string>(model: StackModel, legacyTargetGroupArns: Record<Color, Arn> | null): DeployedState<Arn> {
    const routes: TrafficEntry[] = model.canary.routes.map((route, index) => ({
        priority: routePriority(route, index),
        paths: [...route.paths],
        springPercent: route.weight,
    }));
    const ov = model.alb.originVerify;
    return {
        version: DEPLOYED_STATE_VERSION,
        traffic: [...routes, { priority: CATCH_ALL_PRIORITY, paths: null, springPercent: model.canary.weight }].sort((x, y) => x.priority - y.priority),
        liveColors: { legacy: model.legacyPresent ? model.legacy.liveColor : null, spring: model.spring.liveColor },
        legacyPresent: model.legacyPresent,
        protectRollbackTargets: model.protectRollbackTargets,
        legacyProtected: model.legacy.protect ?? model.protectRollbackTargets,
        stickinessSeconds: model.canary.stickinessSeconds,
        headers: { originVerify: model.alb.originVerifyHeader, route: model.qa.routeHeader, token: model.qa.tokenHeader },
        originVerify: { send: ov.send, accept: [...ov.accept], generation: { a: ov.generation.a, b: ov.generation.b } },
        migration: { cutoverDate: model.migration.cutoverDate ?? null, bakeDays: model.migration.bakeDays },
        legacyTargetGroupArns: model.legacyPresent && legacyTargetGroupArns ? { blue: legacyTargetGroupArns.blue, green: legacyTargetGroupArns.green } : null,
        capacity: capacityOf(model),
    };
}

/**
 * Spring's share of the requests on `path`: every entry that may take them, in priority
 * order, up to the first that takes all of them (a `partial` entry has conditions beyond
 * the path, e.g. a method or a public header, so it takes only some). Empty: no rule
 * matches, the listener's default (403) answers.
 */
export function sharesAt(table: readonly (TrafficEntry & { partial?: boolean })[], path: string): number[] {
    return entriesAt(table, path).map((e) => e.springPercent);
}

/** The entries that take requests on `path` (see sharesAt). */
export function entriesAt<E extends TrafficEntry & { partial?: boolean }>(table: readonly E[], path: string): E[] {
    const out: E[] = [];
    for (const entry of [...table].sort((x, y) => x.priority - y.priority)) {
        if (entry.paths !== null && !entry.paths.some((p) => pathMatches(p, path))) continue;
        out.push(entry);
        if (!entry.partial) break;
    }
    return out;
}

/** Every path pattern named in the tables. */
export function patternsOf(...tables: readonly (readonly TrafficEntry[])[]): string[] {
    return tables.flatMap((t) => t.flatMap((e) => e.paths ?? []));
}

const isSlot = (v: unknown): v is Slot => v === "a" || v === "b";
const isColor = (v: unknown): v is Color => v === "blue" || v === "green";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/**
 * A deployed state read back from the stack's outputs, or why it cannot be judged
 * against (missing, another version, a malformed field). The pack fails closed on a string.
 */
export function readDeployedState(value: unknown): DeployedState | string {
    if (value === undefined || value === null) return "the deployed stack exports no deployedState";
    const v = value as Partial<DeployedState> & Record<string, any>;
    if (v.version !== DEPLOYED_STATE_VERSION) return `deployedState version ${JSON.stringify(v.version)} is not ${DEPLOYED_STATE_VERSION}`;
    const bad = (field: string) => `deployedState.${field} is missing or malformed`;
    if (!Array.isArray(v.traffic) || v.traffic.length === 0) return bad("traffic");
    for (const e of v.traffic) {
        if (!isNumber(e?.priority) || !isNumber(e?.springPercent) || !(e.paths === null || (Array.isArray(e.paths) && e.paths.every(isString)))) {
            return bad("traffic");
        }
    }
    if (!v.liveColors || !isColor(v.liveColors.spring) || !(v.liveColors.legacy === null || isColor(v.liveColors.legacy))) return bad("liveColors");
    if (typeof v.legacyPresent !== "boolean") return bad("legacyPresent");
    if (typeof v.protectRollbackTargets !== "boolean") return bad("protectRollbackTargets");
    if (typeof v.legacyProtected !== "boolean") return bad("legacyProtected");
    if (!isNumber(v.stickinessSeconds)) return bad("stickinessSeconds");
    if (!v.headers || !isString(v.headers.originVerify) || !isString(v.headers.route) || !isString(v.headers.token)) return bad("headers");
    const ov = v.originVerify;
    if (!ov || !isSlot(ov.send) || !Array.isArray(ov.accept) || !ov.accept.every(isSlot) || !isNumber(ov.generation?.a) || !isNumber(ov.generation?.b)) {
        return bad("originVerify");
    }
    if (!v.migration || !(v.migration.cutoverDate === null || isString(v.migration.cutoverDate)) || !isNumber(v.migration.bakeDays)) return bad("migration");
    // The ARNs themselves are read by legacyTargetGroupArnsIn only: unknown before the first deployment.
    const tgs = v.legacyTargetGroupArns;
    if (tgs !== undefined && tgs !== null && (typeof tgs !== "object" || Array.isArray(tgs))) return bad("legacyTargetGroupArns");
    if (v.capacity !== undefined && !isCapacity(v.capacity)) return bad("capacity");
    return v as DeployedState;
}

const isCounts = (v: any): v is Record<Color, number> => !!v && typeof v === "object" && isCount(v.blue) && isCount(v.green);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
function isCapacity(v: any): v is Capacity {
    return !!v && typeof v === "object" && isCounts(v.spring) && (v.legacy === null || isCounts(v.legacy));
}

/**
 * The Beanstalk target groups a state records: by color, null (no pair), undefined (a
 * record older than the field), or why they cannot be read (the pack refuses on a string).
 * Reads the ARNs, which are unknown in a preview before the target groups exist.
 */
export function legacyTargetGroupArnsIn(state: DeployedState): Record<Color, string> | null | undefined | string {
    const tgs = state.legacyTargetGroupArns;
    if (tgs === undefined) return undefined;
    const bad = "deployedState.legacyTargetGroupArns is malformed";
    if (tgs === null) return state.legacyPresent ? `${bad}: null while the Beanstalk pair is present` : null;
    if (!state.legacyPresent) return `${bad}: it names target groups while the Beanstalk pair is gone`;
    if (!isString(tgs.blue) || !isString(tgs.green)) return bad;
    return { blue: tgs.blue, green: tgs.green };
}
