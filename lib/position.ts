/**
 * The traffic position: where the stack stands, computed from its resources as the engine
 * presents them (never from a record written beside them). One owner: the program exports
 * `positionOf` its own resources, the policy pack computes it from the resources it judges,
 * and the canary tool from the offline plan and from the stack's outputs. In a targeted
 * `pulumi up`, resources not targeted keep their deployed state (the engine copies the old
 * state for them), so the position of what the engine presents is the position it will have.
 *
 * Coordinates: per public rule, the share each side and color gets; each side's live color;
 * whether the Beanstalk pair exists; the edge's cut-in phase, weight and old origin (gone once
 * retired: irreversible); what each color runs; each color's capacity; which rollback targets
 * are protected; the stickiness of the public forwards; the origin-verify slots; the headers
 * the rules use; the bake dates; and a fingerprint of every other judged property of every
 * resource, so that "nothing else changes" is a comparison (lib/compare.ts).
 *
 * Pure: no Pulumi runtime.
 */
import { createHash } from "node:crypto";
import { COMPONENT_TYPES, CutinEdgeOutputs, LEGACY_TARGET_GROUP_OUTPUTS, ORIGIN_VERIFY_PASSWORDS, POSITION_OUTPUTS, RoutedAlbOutputs } from "./contract";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "./cutin";
import { OutsideSearch, pathMatches, rememberingPathOutside, witnessPaths } from "./pathPatterns";
import { fingerprintProps, isAwsxVpcChild } from "./resourceModel";
import {
    BeanstalkEnvironmentProps,
    COLORS,
    COLOR_TAG,
    Color,
    ContinuousDeploymentPolicyProps,
    DistributionProps,
    EcsServiceProps,
    ListenerRuleProps,
    RULE_NAME_TAG,
    RULE_ROLE_TAG,
    RULE_TARGETS_TAG,
    RandomPasswordProps,
    ResourceView,
    SLOTS,
    Side,
    Slot,
    TYPES,
    TargetGroupProps,
    TaskDefinitionProps,
    UNKNOWN,
    Unknown,
    isColor,
    itemsOf,
    keyOf,
    ofType,
    propsOf,
    read,
    tagsOf,
} from "./resources";

/** Bumped when the shape changes; a reader refuses a version it does not know. */
export const POSITION_VERSION = 2;

/** A target of a forward: a side's color, or a target group that is neither side's ("other"). */
export type TargetLabel = `${Side}-${Color}` | "other";

/** One listener rule the public can reach (it needs no QA token). */
export interface TrafficEntry {
    rule: string;
    priority: number;
    /** Path patterns; null: every path. */
    paths: string[] | null;
    /** Takes only some of the requests on its paths (conditions beyond the origin header and the path). */
    partial: boolean;
    /** Percent of the rule's requests per target; null when it does not forward or cannot be read. */
    shares: Partial<Record<TargetLabel, number>> | null;
    /** How long the forward keeps a session on its target, in seconds (0: off); null when it cannot be read. */
    stickiness: number | null;
}

export interface EdgePosition {
    /** The cut-in phase the edge resources are in (a stack without a cut-in is at `promoted`); null: no phase fits. */
    phase: CutinPhase | null;
    /** Percent of viewers the weight-based policy sends to the staging distribution (0 when none). */
    weight: number;
    /**
     * The old origin's domain while a cut-in rollback can go back to it: the primary's origin up to
     * `weight`, then the one the CutinEdge records; null once retired (or never a cut-in).
     */
    oldOrigin: string | null;
    /** The viewer-facing distribution's key (lib/resources keyOf): the edge the cut-in moves. */
    primary: string | null;
    /** The primary's WAF web ACL (CloudFront refuses to change it while a continuous deployment policy is attached). */
    webAcl: string | null;
    /** Why the edge fits no phase (the pack refuses it). */
    problem?: string;
}

export type PerColor<T> = Record<Color, T>;

export interface Position {
    version: typeof POSITION_VERSION;
    /** The header names the rules use (the RoutedAlb records them); null: not readable. */
    headers: { originVerify: string; route: string; token: string } | null;
    /** The public rules in priority order. */
    traffic: TrafficEntry[];
    /** Each target's target group ARN (Spring's declared, Beanstalk's found by the pair): where a label's share goes. */
    targetGroups: Partial<Record<TargetLabel, string>>;
    liveColors: { spring: Color | null; legacy: Color | null };
    legacyPresent: boolean;
    edge: EdgePosition;
    /**
     * What each color runs (null: unknown): Spring "[settings <digest>] <image>" (what every
     * container runs and is given, the app image named), Beanstalk its version label, "[environment <digest>] <label>"
     * with environment properties (runsOf; releaseOf reads the image or label back).
     */
    runs: { spring: PerColor<string | null>; legacy: PerColor<string | null> | null };
    /** Spring: desired tasks; Beanstalk: MinSize (Beanstalk's default 1 when unset). */
    capacity: { spring: PerColor<number | null>; legacy: PerColor<number | null> | null };
    /** The rollback targets (ALB, listeners, ECS services, Beanstalk environments, viewer distributions), by key. */
    protect: Record<string, boolean>;
    /** The longest stickiness of a public forward in seconds (0: off); null when one cannot be read. */
    stickinessSeconds: number | null;
    originVerify: { send: Slot | null; accept: Slot[]; generation: Record<Slot, number | null> };
    /** Bake clocks the operator records (config, via the components' outputs). */
    dates: {
        cutoverDate: string | null;
        bakeDays: number | null;
        cutinDate: string | null;
        cutinBakeDays: number | null;
        /** When the edge reached the top rung (cutin.topRungAt, to the minute), and how long that rung bakes before promotion. */
        topRungAt: string | null;
        topRungBakeMinutes: number | null;
        /** The cut-in is over: its distribution is the stack's permanent edge (cutin.ended). */
        cutinEnded: boolean;
    };
    /**
     * What CloudFront reaches the ALB through, as the program resolved it by its AWS-owned name:
     * the origin-facing prefix list (an internet-facing ALB) and the VPC-origin security group
     * (an internal one); null: none (or not known yet). AWS owns both, so neither changes while
     * the stack's VPC origin stays: a change is refused unless reviewed (policy/access.ts).
     */
    cloudFront: { prefixList: string | null; vpcOriginGroup: string | null };
    /** Every other judged property, per resource key (lib/resourceModel.ts). */
    fingerprints: Record<string, string>;
}

// ---------------------------------------------------------------------------
// Reading the resources.

/** A component's registered outputs, if exactly one component of the type exists. */
function componentOutputs(views: readonly ResourceView[], type: string): Record<string, unknown> | undefined {
    const found = ofType(views, type);
    return found.length === 1 ? found[0].props : undefined;
}

function cloudFrontOf(views: readonly ResourceView[]): Position["cloudFront"] {
    const alb = () => componentOutputs(views, COMPONENT_TYPES.routedAlb) as Partial<RoutedAlbOutputs> | undefined;
    const id = (get: () => unknown) => {
        const v = read(get);
        return typeof v === "string" ? v : null;
    };
    return { prefixList: id(() => alb()?.cloudFrontPrefixList?.id), vpcOriginGroup: id(() => alb()?.cloudFrontVpcOrigin?.securityGroup?.id) };
}

function headersOf(views: readonly ResourceView[]): Position["headers"] {
    const h = read(() => componentOutputs(views, COMPONENT_TYPES.routedAlb)?.headers as Position["headers"] | undefined);
    if (h === UNKNOWN || !h || typeof h.originVerify !== "string" || typeof h.route !== "string" || typeof h.token !== "string") return null;
    return { originVerify: h.originVerify, route: h.route, token: h.token };
}

/** Target group ARN → label: Spring's (declared, color-tagged) and Beanstalk's (the pair's recorded ones). */
export function targetLabels(views: readonly ResourceView[]): Map<string, TargetLabel> {
    const out = new Map<string, TargetLabel>();
    for (const tg of ofType(views, TYPES.targetGroup)) {
        const color = tagsOf(tg)[COLOR_TAG];
        const arn = read(() => propsOf<TargetGroupProps>(tg).arn);
        if (isColor(color) && typeof arn === "string") out.set(arn, `spring-${color}`);
    }
    const pair = componentOutputs(views, COMPONENT_TYPES.legacyBeanstalkPair);
    for (const color of COLORS) {
        const arn = read(() => pair?.[LEGACY_TARGET_GROUP_OUTPUTS[color]]);
        if (typeof arn === "string") out.set(arn, `legacy-${color}`);
    }
    return out;
}

/** A listener rule as the model reads it. */
export interface RuleRead {
    view: ResourceView;
    name: string;
    role: string | undefined;
    priority: number;
    conditions: NonNullable<ListenerRuleProps["conditions"]>;
    /** Forward targets with their labels; undefined when the rule does not only forward. */
    targets?: { label: TargetLabel | null; weight: number }[];
    stickiness?: { enabled: boolean; duration: number };
}

export function readRules(views: readonly ResourceView[], labels: ReadonlyMap<string, TargetLabel>): RuleRead[] {
    return ofType(views, TYPES.listenerRule).map((view) => {
        const p = propsOf<ListenerRuleProps>(view);
        const tags = tagsOf(view);
        const actions = p.actions ?? [];
        const forward = actions.length === 1 && actions[0]?.type === "forward" ? actions[0].forward : undefined;
        const tagged = String(tags[RULE_TARGETS_TAG] ?? "").split(" ");
        const targets = forward?.targetGroups?.map((g, i) => {
            const arn = read(() => g.arn);
            // Before the target groups exist (a first preview) only the rule's targets tag says which is which.
            const label: TargetLabel | null = arn === UNKNOWN ? ((tagged[i] as TargetLabel | undefined) ?? null) : (labels.get(arn) ?? "other");
            return { label, weight: Number(g.weight ?? 0) };
        });
        const s = forward?.stickiness;
        return {
            view,
            name: tags[RULE_NAME_TAG] ?? view.name,
            role: tags[RULE_ROLE_TAG],
            priority: Number(p.priority),
            conditions: p.conditions ?? [],
            targets,
            stickiness: s ? { enabled: s.enabled === true, duration: Number(s.duration) } : undefined,
        };
    });
}

/** Header names compare without case (HTTP). */
export const sameHeader = (a: unknown, b: string) => String(a ?? "").toLowerCase() === b.toLowerCase();

/** A canary rule: a path route or the catch-all (the rules that carry weighted public traffic). */
export const isCanaryRule = (rule: Pick<RuleRead, "role">) => rule.role === "path" || rule.role === "catch-all";

/** Whether a rule requires the QA token: a condition on the token header with exactly one literal value. */
export function requiresToken(rule: RuleRead, tokenHeader: string): boolean {
    return rule.conditions.some((c) => {
        if (!sameHeader(c.httpHeader?.httpHeaderName, tokenHeader)) return false;
        const values = c.httpHeader?.values ?? [];
        // A value still unknown is a secret being generated (qa-routes-protected checks it once known).
        return values.length === 1 && (read(() => values[0]) === UNKNOWN || !/[*?]/.test(String(values[0])));
    });
}

function sharesOf(rule: RuleRead): TrafficEntry["shares"] {
    if (!rule.targets || rule.targets.some((t) => t.label === null || !Number.isFinite(t.weight))) return null;
    const total = rule.targets.reduce((s, t) => s + t.weight, 0);
    if (!(total > 0)) return null;
    const shares: Partial<Record<TargetLabel, number>> = {};
    for (const t of rule.targets) {
        if (t.weight <= 0) continue;
        const label = t.label as TargetLabel;
        shares[label] = round((shares[label] ?? 0) + (t.weight * 100) / total);
    }
    return shares;
}

const round = (n: number) => Math.round(n * 1e4) / 1e4;

/** The public traffic table: each rule reached without the QA token, what it takes, what it forwards. */
export function publicTraffic(rules: readonly RuleRead[], headers: NonNullable<Position["headers"]>): TrafficEntry[] {
    return rules
        .filter((r) => !requiresToken(r, headers.token))
        .map((r) => {
            let paths: string[] | null = null;
            let partial = false;
            for (const c of r.conditions) {
                if (c.pathPattern) {
                    // Several path conditions must all match: the first bounds the paths, the rest make it partial.
                    if (paths === null) paths = [...(c.pathPattern.values ?? [])];
                    else partial = true;
                } else if (!sameHeader(c.httpHeader?.httpHeaderName, headers.originVerify)) {
                    partial = true; // a method, a host, a header anyone may send: only some requests
                }
            }
            const stickiness = !r.stickiness?.enabled ? 0 : Number.isFinite(r.stickiness.duration) ? r.stickiness.duration : null;
            return { rule: r.name, priority: r.priority, paths, partial, shares: sharesOf(r), stickiness };
        })
        .sort((a, b) => a.priority - b.priority);
}

/** The entries that take requests on `path`: in priority order, up to the first that takes all of them. */
export function entriesAt<E extends Pick<TrafficEntry, "priority" | "paths" | "partial">>(table: readonly E[], path: string): E[] {
    const out: E[] = [];
    for (const entry of [...table].sort((x, y) => x.priority - y.priority)) {
        if (entry.paths !== null && !entry.paths.some((p) => pathMatches(p, path))) continue;
        out.push(entry);
        if (!entry.partial) break;
    }
    return out;
}

/** Spring's percent of an entry's requests (NaN when it forwards nowhere readable). */
export function springShare(entry: Pick<TrafficEntry, "shares">): number {
    if (!entry.shares) return NaN;
    return round((entry.shares["spring-blue"] ?? 0) + (entry.shares["spring-green"] ?? 0));
}

/** The colors of a side that take public traffic somewhere in a position. */
export function servingColors(p: Pick<Position, "traffic">, side: Side): Set<Color> {
    return new Set(COLORS.filter((c) => p.traffic.some((e) => (e.shares?.[`${side}-${c}`] ?? 0) > 0)));
}

/** Every path pattern the tables name (for witness paths). */
export function patternsOf(...tables: readonly (readonly Pick<TrafficEntry, "paths">[])[]): string[] {
    return tables.flatMap((t) => t.flatMap((e) => e.paths ?? []));
}

/**
 * The request paths on which traffic tables are compared: every pattern's instances and the
 * overlap of every pair (lib/pathPatterns witnessPaths), and for every entry of every table a path
 * that reaches it past the entries before it, so that no rule, the catch-all included, can hide
 * behind another rule that takes the other witnesses.
 */
export function witnessPathsOf(...tables: readonly TrafficTable[]): string[] {
    // The tables compared (deployed, proposed, known-good) mostly share their entries, and so their searches.
    return witnessPathsWith(rememberingPathOutside(), tables);
}

type TrafficTable = readonly Pick<TrafficEntry, "priority" | "paths" | "partial">[];

/** witnessPathsOf with the reaching-path search given (lib/pathPatterns rememberingPathOutside for a caller that compares many positions). */
export function witnessPathsWith(outside: OutsideSearch, tables: readonly TrafficTable[]): string[] {
    const out = new Set(witnessPaths(patternsOf(...tables)));
    for (const table of tables) {
        const sorted = [...table].sort((a, b) => a.priority - b.priority);
        sorted.forEach((entry, i) => {
            const before = sorted.slice(0, i).filter((e) => !e.partial);
            // Behind a rule for every path nothing reaches it.
            if (before.some((e) => e.paths === null)) return;
            const path = outside(
                entry.paths ?? ["*"],
                before.flatMap((e) => e.paths ?? []),
            );
            if (path !== undefined) out.add(path);
        });
    }
    return [...out];
}

/**
 * Each side's live color: the one its public shares go to; at 0 % (no public share), the one the
 * side's QA route (route header value = the side) forwards to.
 */
function liveColorsOf(rules: readonly RuleRead[], traffic: readonly TrafficEntry[], headers: Position["headers"]): Position["liveColors"] {
    const colorOf = (side: Side): Color | null => {
        const served = COLORS.filter((c) => traffic.some((e) => (e.shares?.[`${side}-${c}`] ?? 0) > 0));
        if (served.length === 1) return served[0];
        if (served.length > 1 || !headers) return null;
        const qa = rules.find((r) =>
            r.conditions.some((c) => sameHeader(c.httpHeader?.httpHeaderName, headers.route) && itemsOf(c.httpHeader?.values).includes(side)),
        );
        const live = (qa?.targets ?? []).filter((t) => t.weight > 0 && t.label?.startsWith(`${side}-`));
        return live.length === 1 ? (live[0].label!.split("-")[1] as Color) : null;
    };
    return { spring: colorOf("spring"), legacy: colorOf("legacy") };
}

/** A value per color from the resources of a type tagged with it; null for a color that none, or more than one, claims (fails closed). */
function byColor<T>(views: readonly ResourceView[], type: string, value: (v: ResourceView) => T | null): PerColor<T | null> | null {
    const found = ofType(views, type);
    if (found.length === 0) return null;
    const out = { blue: null, green: null } as PerColor<T | null>;
    for (const color of COLORS) {
        const claims = found.filter((v) => tagsOf(v)[COLOR_TAG] === color);
        out[color] = claims.length === 1 ? value(claims[0]) : null;
    }
    return out;
}

export function beanstalkSetting(v: ResourceView, namespace: string, name: string): string | undefined {
    const settings = read(() => propsOf<BeanstalkEnvironmentProps>(v).settings);
    if (settings === UNKNOWN || !settings) return undefined;
    const s = settings.find((x) => x?.namespace === namespace && x?.name === name);
    const value = s ? read(() => s.value) : undefined;
    return value === undefined || value === UNKNOWN ? undefined : String(value);
}

const numberOrNull = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null);

/**
 * The task definition an ECS service runs: the stack's task definition its `taskDefinition` names
 * (by ARN); while that ARN is unknown (a preview that registers a new revision), its own color's,
 * but only while that one's ARN is unknown too: the revision this update registers. An unknown
 * reference while its own color's task definition is known and unchanged points at another one
 * being registered (the other color's, re-registered: red team C 6.1), so it cannot be read. A
 * task definition from outside the stack, or one that cannot be read: null (fails closed).
 */
export function serviceTaskDefinition(views: readonly ResourceView[], service: ResourceView): ResourceView | null {
    const arn = read(() => propsOf<EcsServiceProps>(service).taskDefinition);
    const definitions = ofType(views, TYPES.taskDefinition);
    if (arn === UNKNOWN) {
        const own = definitions.filter((td) => tagsOf(td)[COLOR_TAG] === tagsOf(service)[COLOR_TAG]);
        // Its ARN not known yet (unknown, or not there at all before the provider answers): being registered.
        const ownArn = own.length === 1 ? read(() => propsOf<TaskDefinitionProps>(own[0]).arn) : "";
        return ownArn === UNKNOWN || ownArn === undefined || ownArn === null ? own[0] : null;
    }
    return definitions.find((td) => typeof arn === "string" && read(() => propsOf<TaskDefinitionProps>(td).arn) === arn) ?? null;
}

/**
 * What a color runs is its release and the settings it runs with: any change to a task
 * definition registers a new revision that ECS rolls the service onto ("Updating an Amazon ECS
 * service", ECS Developer Guide), and a change to a Beanstalk environment property restarts the
 * application on every instance ("Environment properties and other software settings", Elastic
 * Beanstalk Developer Guide). So `runs` is "[settings <digest>] <image>" (Spring: what
 * every container runs and is given, sidecars included, the app container's image named in the
 * value: containerSettings) and "<label>" or "[environment <digest>] <label>" (Beanstalk: the
 * aws:elasticbeanstalk:application:environment properties, when there are any). The image stays
 * the value's end, so a pinned image still reads as pinned (lib/ecr.ts imageDigest); releaseOf
 * strips the digest.
 */
const SETTINGS_PREFIX = /^\[(?:settings|environment) [0-9a-f]{12}\] /;

/** The image (Spring) or version label (Beanstalk) a `runs` value names, without its settings digest. */
export function releaseOf(runs: string | null | undefined): string | null {
    return typeof runs === "string" ? runs.replace(SETTINGS_PREFIX, "") : null;
}

/** By code point, never by locale. */
const codePoints = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Settings as text: object keys sorted by code point (never by locale: the program and the pack
 * must agree wherever they run), lists in their order, empty lists and missing values alike (AWS
 * drops empty lists from a stored task definition), generated secrets by name. Not `canonical`:
 * it sorts lists of plain values and parses JSON text, and the order of a command's arguments
 * or of a JSON variable's lists is part of what runs.
 */
function settingsText(v: unknown, secrets: ReadonlyMap<string, string>): string | undefined {
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return undefined;
    if (Array.isArray(v)) return `[${v.map((x) => settingsText(x, secrets) ?? "null").join(",")}]`;
    if (typeof v === "object") {
        const o = v as Record<string, unknown>;
        const fields = Object.keys(o)
            .sort(codePoints)
            .map((k) => [k, settingsText(o[k], secrets)] as const)
            .filter(([, text]) => text !== undefined);
        return `{${fields.map(([k, text]) => `${JSON.stringify(k)}:${text}`).join(",")}}`;
    }
    return JSON.stringify(typeof v === "string" ? (secrets.get(v) ?? v) : v);
}

/** A short digest of settings that hold no unknown value. */
function settingsDigest(value: unknown, secrets: ReadonlyMap<string, string>): string {
    return createHash("sha256")
        .update(settingsText(value, secrets) ?? "null")
        .digest("hex")
        .slice(0, 12);
}

/**
 * Variables whose value another rule ties to something `runs` or a shared resource holds, so that
 * `runs` keeps their presence but not their value. SERVER_PORT must be the container's port
 * mapping (task-port-mismatch, policy/network.ts), which `runs` reads. Tomcat's keep-alive is
 * derived from the ALB's idle timeout, which both colors share: connection-timeouts-ordered judges
 * it against the ALB's, and holding it to one color at a time would leave the ALB's idle timeout
 * no way to change.
 */
const TIED_VARIABLES: Readonly<Record<string, string>> = {
    SERVER_PORT: "(the port mapping)",
    SERVER_TOMCAT_KEEPALIVETIMEOUT: "(above alb.idleTimeoutSeconds)",
};

type NamedEntry = { name?: unknown; value?: unknown };
const byName = (entries: unknown): unknown =>
    Array.isArray(entries) ? [...(entries as NamedEntry[])].sort((a, b) => codePoints(String(a?.name), String(b?.name))) : entries;

/**
 * A container as `runs` reads it: what the process is and what it is given (image, command, entry
 * point, variables, secrets, ports), never how ECS hosts it. The log group (a physical name, the
 * color's own by construction: an offline plan cannot know it), the stop timeout and what AWS adds
 * when it returns the definition (`cpu: 0`, `hostPort`, empty lists: the provider stores
 * DescribeTaskDefinition's form) stay out; task-definition-contained judges those and the
 * fingerprint holds them. Variables and secrets by name: ECS keeps no order.
 */
function containerSettings(c: Record<string, unknown>, withImage: boolean): Record<string, unknown> {
    const environment = byName(c.environment);
    const ports = Array.isArray(c.portMappings) ? (c.portMappings as Record<string, unknown>[]) : [];
    return {
        name: c.name,
        ...(withImage ? { image: c.image } : {}),
        essential: c.essential !== false,
        command: c.command,
        entryPoint: c.entryPoint,
        environmentFiles: c.environmentFiles,
        environment: Array.isArray(environment)
            ? (environment as NamedEntry[]).map((e) =>
                  Object.hasOwn(TIED_VARIABLES, String(e?.name)) ? { name: e.name, value: TIED_VARIABLES[String(e?.name)] } : e,
              )
            : environment,
        secrets: byName(c.secrets),
        portMappings: ports.map((m) => ({ containerPort: m?.containerPort, protocol: m?.protocol ?? "tcp" })),
    };
}

/** What a task definition runs: "[settings <digest>] <app image>"; null when it cannot be read (unknown, or not one essential container). */
function springRelease(v: ResourceView, secrets: ReadonlyMap<string, string>): string | null {
    const json = read(() => propsOf<TaskDefinitionProps>(v).containerDefinitions);
    if (typeof json !== "string") return null;
    let containers: Record<string, unknown>[];
    try {
        containers = JSON.parse(json) as Record<string, unknown>[];
    } catch {
        return null;
    }
    if (!Array.isArray(containers) || !containers.every((c) => !!c && typeof c === "object")) return null;
    const essential = containers.filter((c) => c.essential !== false);
    if (essential.length !== 1 || typeof essential[0].image !== "string") return null;
    // The platform picks which image of a multi-architecture manifest runs (ECS Developer Guide, "Task definition parameters", runtimePlatform).
    const platform = read(() => JSON.parse(JSON.stringify(propsOf<TaskDefinitionProps>(v).runtimePlatform ?? null)) as unknown);
    if (platform === UNKNOWN) return null;
    const settings = byName(containers.map((c) => containerSettings(c, c !== essential[0])));
    return `[settings ${settingsDigest(platform === null ? settings : { containers: settings, runtimePlatform: platform }, secrets)}] ${essential[0].image}`;
}

/** Beanstalk's namespace for the environment properties the application reads. */
const APP_ENVIRONMENT = "aws:elasticbeanstalk:application:environment";

/** What a Beanstalk environment runs: its version label, with its environment properties' digest when it has any. */
function legacyRelease(v: ResourceView, secrets: ReadonlyMap<string, string>): string | null {
    const label = read(() => propsOf<BeanstalkEnvironmentProps>(v).version);
    const settings = read(() => propsOf<BeanstalkEnvironmentProps>(v).settings);
    if (typeof label !== "string" || settings === UNKNOWN) return null;
    const properties = itemsOf(settings).filter(
        (s) => s === UNKNOWN || String(read(() => (s as { namespace?: unknown }).namespace)).toLowerCase() === APP_ENVIRONMENT,
    );
    if (properties.length === 0) return label;
    const named = properties.map((s) =>
        s === UNKNOWN ? UNKNOWN : { name: read(() => (s as { name?: unknown }).name), value: read(() => (s as { value?: unknown }).value) },
    );
    // A property not known yet (a preview): what the color will run cannot be read.
    if (named.some((p) => p === UNKNOWN || p.name === UNKNOWN || p.value === UNKNOWN)) return null;
    return `[environment ${settingsDigest(byName(named), secrets)}] ${label}`;
}

/** What a color's service runs: the release of the task definition it names (not the one its tag claims). */
function springRuns(views: readonly ResourceView[], secrets: ReadonlyMap<string, string>): PerColor<string | null> {
    const release = (td: ResourceView) => springRelease(td, secrets);
    if (ofType(views, TYPES.ecsService).length === 0) return byColor(views, TYPES.taskDefinition, release) ?? { blue: null, green: null };
    return (
        byColor(views, TYPES.ecsService, (service) => {
            const td = serviceTaskDefinition(views, service);
            return td ? release(td) : null;
        }) ?? { blue: null, green: null }
    );
}

function runsOf(views: readonly ResourceView[]): Position["runs"] {
    const secrets = secretNames(views);
    return { spring: springRuns(views, secrets), legacy: byColor(views, TYPES.beanstalkEnvironment, (v) => legacyRelease(v, secrets)) };
}

function capacityOf(views: readonly ResourceView[]): Position["capacity"] {
    const spring = byColor(views, TYPES.ecsService, (v) => numberOrNull(read(() => propsOf<EcsServiceProps>(v).desiredCount ?? 0))) ?? {
        blue: null,
        green: null,
    };
    // Beanstalk's default MinSize is 1 (aws:autoscaling:asg, Elastic Beanstalk Developer Guide, "General options for all environments").
    const legacy = byColor(views, TYPES.beanstalkEnvironment, (v) => numberOrNull(beanstalkSetting(v, "aws:autoscaling:asg", "MinSize") ?? 1));
    return { spring, legacy };
}

/** Types whose resources are rollback targets (the VPC origin is the internal ALB's only way in): their `protect` is a coordinate. */
const PROTECTED_TYPES: ReadonlySet<string> = new Set([TYPES.loadBalancer, TYPES.listener, TYPES.ecsService, TYPES.beanstalkEnvironment, TYPES.vpcOrigin]);

/** A distribution viewers reach: any but a staging distribution. */
export function isViewerDistribution(v: ResourceView): boolean {
    return v.type === TYPES.distribution && read(() => propsOf<DistributionProps>(v).staging) !== true;
}

function protectOf(views: readonly ResourceView[]): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const v of views.filter((x) => PROTECTED_TYPES.has(x.type) || isViewerDistribution(x))) out[keyOf(v)] = v.protect === true;
    return out;
}

function stickinessOf(traffic: readonly TrafficEntry[]): number | null {
    if (traffic.some((e) => e.stickiness === null)) return null;
    return Math.max(0, ...traffic.map((e) => e.stickiness ?? 0));
}

function originVerifyOf(
    views: readonly ResourceView[],
    rules: readonly RuleRead[],
    headers: Position["headers"],
    primary: ResourceView | undefined,
): Position["originVerify"] {
    const slotOf = new Map<unknown, Slot>();
    const generation: Record<Slot, number | null> = { a: null, b: null };
    for (const slot of SLOTS) {
        const pw = ofType(views, TYPES.randomPassword).find((v) => v.name === ORIGIN_VERIFY_PASSWORDS[slot]);
        if (!pw) continue;
        generation[slot] = numberOrNull(read(() => propsOf<RandomPasswordProps>(pw).keepers?.generation));
        const value = read(() => propsOf<RandomPasswordProps>(pw).result);
        if (typeof value === "string") slotOf.set(value, slot);
    }
    if (!headers) return { send: null, accept: [], generation };
    const catchAll = rules.find((r) => r.role === "catch-all");
    const accepted = (catchAll?.conditions ?? [])
        .filter((c) => sameHeader(c.httpHeader?.httpHeaderName, headers.originVerify))
        .flatMap((c) => itemsOf(c.httpHeader?.values));
    const accept = SLOTS.filter((slot) => accepted.some((value) => slotOf.get(read(() => value)) === slot));
    const origins = primary ? (read(() => propsOf<DistributionProps>(primary).origins) ?? []) : [];
    const sent =
        origins === UNKNOWN
            ? []
            : origins.flatMap((o) => (o.customHeaders ?? []).filter((h) => sameHeader(h.name, headers.originVerify)).map((h) => read(() => h.value)));
    const sendSlots = [...new Set(sent.map((v) => slotOf.get(v)).filter((s): s is Slot => s !== undefined))];
    return { send: sendSlots.length === 1 ? sendSlots[0] : null, accept, generation };
}

function datesOf(views: readonly ResourceView[]): Position["dates"] {
    const migration = read(() => componentOutputs(views, COMPONENT_TYPES.routedAlb)?.migration as { cutoverDate?: string; bakeDays?: number } | undefined);
    const edge = (key: string) => read(() => componentOutputs(views, COMPONENT_TYPES.cutinEdge)?.[key]);
    const [cutin, cutinBake, topAt, topBake, ended] = ["cutinDate", "bakeDays", "topRungAt", "topRungBakeMinutes", "ended"].map(edge);
    const m = migration === UNKNOWN ? undefined : migration;
    return {
        cutoverDate: m?.cutoverDate ?? null,
        bakeDays: numberOrNull(m?.bakeDays),
        cutinDate: typeof cutin === "string" ? cutin : null,
        cutinBakeDays: numberOrNull(cutinBake),
        topRungAt: typeof topAt === "string" ? topAt : null,
        topRungBakeMinutes: numberOrNull(topBake),
        cutinEnded: ended === true,
    };
}

// ---------------------------------------------------------------------------
// The edge.

type OriginKind = "old" | "routed" | "other" | "none";

/** An Elastic Beanstalk environment CNAME (the old origin of the live system). */
const BEANSTALK_CNAME = /\.elasticbeanstalk\.com$/i;

/** The domains of this stack's own Beanstalk environments (never the old origin). */
function ownCnames(views: readonly ResourceView[]): Set<string> {
    const out = new Set<string>();
    for (const env of ofType(views, TYPES.beanstalkEnvironment)) {
        const cname = read(() => propsOf<BeanstalkEnvironmentProps>(env).cname);
        if (typeof cname === "string") out.add(cname.toLowerCase());
    }
    return out;
}

type Origin = NonNullable<DistributionProps["origins"]>[number];

/** A Beanstalk environment outside this stack: the live system's, the old origin. */
const isOldDomain = (domain: unknown, own: ReadonlySet<string>): domain is string =>
    typeof domain === "string" && BEANSTALK_CNAME.test(domain) && !own.has(domain.toLowerCase());

function originKind(origin: Origin | undefined, headers: Position["headers"], own: ReadonlySet<string>): OriginKind {
    if (!origin) return "none";
    const domain = read(() => origin.domainName);
    if (typeof domain === "string" && BEANSTALK_CNAME.test(domain)) return isOldDomain(domain, own) ? "old" : "other";
    // The routed ALB: reached through a CloudFront VPC origin, or with the origin-verify header.
    if (origin.vpcOriginConfig) return "routed";
    const verify = headers?.originVerify;
    return verify && (origin.customHeaders ?? []).some((h) => sameHeader(h.name, verify)) ? "routed" : "other";
}

/**
 * The old origin a cut-in rollback goes back to once the primary sends every request to the
 * routed ALB (promoting, detached, promoted): the primary no longer lists it, so the CutinEdge
 * records it (its registered outputs, as the engine presents them) until it is retired. A
 * recorded origin that is not a Beanstalk environment outside this stack is refused (a string).
 */
function rememberedOldOrigin(views: readonly ResourceView[], own: ReadonlySet<string>): { domain: string | null } | string {
    const recorded = read(() => componentOutputs(views, COMPONENT_TYPES.cutinEdge)?.oldOrigin as CutinEdgeOutputs["oldOrigin"] | undefined);
    if (recorded === UNKNOWN || !recorded) return { domain: null };
    const domain = read(() => recorded.domainName);
    if (!isOldDomain(domain, own))
        return `the CutinEdge records ${JSON.stringify(domain)} as the old origin to roll back to: not a Beanstalk environment outside this stack`;
    return { domain: domain.toLowerCase() };
}

/**
 * The cut-in phase as the edge resources declare it: where the primary's cache behaviors send
 * requests, whether a staging distribution exists, and the continuous deployment policy's state
 * and traffic type (lib/cutin.ts: each phase has its own shape).
 */
export function edgeOf(views: readonly ResourceView[], headers: Position["headers"]): { edge: EdgePosition; primary?: ResourceView } {
    const viewers = views.filter(isViewerDistribution);
    const fail = (problem: string, primary?: ResourceView) => ({
        edge: { phase: null, weight: 0, oldOrigin: null, primary: primary ? keyOf(primary) : null, webAcl: null, problem },
        primary,
    });
    if (viewers.length !== 1) return fail(`the stack needs exactly one distribution viewers reach (found ${viewers.length})`);
    const primary = viewers[0];
    const p = propsOf<DistributionProps>(primary);
    const own = ownCnames(views);
    const origins = p.origins ?? [];
    const byId = new Map(origins.map((o) => [o.originId, o]));
    const behaviors = [p.defaultCacheBehavior?.targetOriginId, ...(p.orderedCacheBehaviors ?? []).map((b) => b.targetOriginId)];
    const kinds = new Set(behaviors.map((id) => originKind(byId.get(id as string), headers, own)));
    const old = origins.filter((o) => originKind(o, headers, own) === "old").map((o) => String(o.domainName));
    if (old.length > 1) return fail(`the primary distribution names ${old.length} old origins (${old.join(", ")}): the cut-in has one`, primary);
    if (kinds.size !== 1 || kinds.has("none") || kinds.has("other")) {
        return fail(
            `the primary distribution's cache behaviors send requests to ${[...kinds].join(" and ")} origins: every behavior goes to the old origin or every one to the routed ALB`,
            primary,
        );
    }
    const primaryOrigin = kinds.has("old") ? "old" : "routed";
    const remembered = primaryOrigin === "routed" ? rememberedOldOrigin(views, own) : { domain: null };
    if (typeof remembered === "string") return fail(remembered, primary);
    const staging = ofType(views, TYPES.distribution).filter((v) => !isViewerDistribution(v));
    const policies = ofType(views, TYPES.continuousDeploymentPolicy);
    if (staging.length > 1 || policies.length > 1)
        return fail(
            `${staging.length} staging distributions and ${policies.length} continuous deployment policies: the cut-in has at most one of each`,
            primary,
        );
    const cd = policies.length === 1 ? propsOf<ContinuousDeploymentPolicyProps>(policies[0]) : undefined;
    const type = cd?.trafficConfig?.type;
    const traffic = type === "SingleWeight" ? "weight" : type === "SingleHeader" ? "header" : undefined;
    if (cd && (!traffic || typeof cd.enabled !== "boolean"))
        return fail(`continuous deployment policy: enabled ${JSON.stringify(cd.enabled)}, traffic ${JSON.stringify(type)} fit no phase`, primary);
    const named = read(() => p.continuousDeploymentPolicyId);
    if (!cd && named !== UNKNOWN && named) return fail(`the primary names continuous deployment policy ${named}, which this stack does not declare`, primary);
    const shape = { primaryOrigin, staging: staging.length === 1, policy: cd ? { enabled: cd.enabled === true, traffic } : undefined };
    const phase = CUTIN_PHASES.find((ph) => {
        const want = edgeShape(ph);
        return (
            want.primaryOrigin === shape.primaryOrigin &&
            want.staging === shape.staging &&
            want.policy?.enabled === shape.policy?.enabled &&
            want.policy?.traffic === shape.policy?.traffic
        );
    });
    if (!phase) return fail(`the edge resources fit no cut-in phase (${JSON.stringify(shape)})`, primary);
    const weight = traffic === "weight" ? round(Number(cd?.trafficConfig?.singleWeightConfig?.weight ?? NaN) * 100) : 0;
    const webAcl = read(() => p.webAclId);
    return {
        edge: {
            phase,
            weight: Number.isFinite(weight) ? weight : NaN,
            oldOrigin: old[0]?.toLowerCase() ?? remembered.domain,
            primary: keyOf(primary),
            webAcl: typeof webAcl === "string" && webAcl !== "" ? webAcl : null,
        },
        primary,
    };
}

// ---------------------------------------------------------------------------
// Fingerprints.

/** Secret values (generated passwords) in a fingerprint are replaced by their resource's name. */
function secretNames(views: readonly ResourceView[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const pw of ofType(views, TYPES.randomPassword)) {
        const value = read(() => propsOf<RandomPasswordProps>(pw).result);
        if (typeof value === "string") out.set(value, `[secret:${pw.name}]`);
    }
    return out;
}

/**
 * Strings in UTF-16 code-unit order, as Array.prototype.sort orders them: the same in every process.
 * localeCompare follows the process's locale, and the program, the pack and the canary tool each
 * compute fingerprints in their own process (a list ordered differently there is a "change").
 */
const byCodeUnits = (a: unknown, b: unknown): number => {
    const [x, y] = [String(a), String(b)];
    return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * A canonical form: keys sorted, nothing empty, JSON text parsed, lists of plain values sorted
 * (the provider keeps several of them as sets), secrets named; UNKNOWN where a value is unknown.
 */
export function canonical(value: unknown, secrets: ReadonlyMap<string, string>): unknown {
    // `value` is read already (below, each part with read()): only the UNKNOWN it may be is left to tell.
    const v = value;
    if (v === UNKNOWN) return UNKNOWN;
    if (typeof v === "string") {
        if (secrets.has(v)) return secrets.get(v);
        if (/^\s*[[{]/.test(v)) {
            try {
                return { json: canonical(JSON.parse(v), secrets) };
            } catch {
                return v;
            }
        }
        return v;
    }
    if (Array.isArray(v)) {
        const items: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
            const c = canonical(
                read(() => v[i]),
                secrets,
            );
            if (c === UNKNOWN) return UNKNOWN;
            if (c !== undefined) items.push(c);
        }
        if (items.length === 0) return undefined;
        return items.every((x) => typeof x !== "object") ? items.sort(byCodeUnits) : items;
    }
    if (v && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(v).sort()) {
            const c = canonical(
                read(() => (v as Record<string, unknown>)[key]),
                secrets,
            );
            if (c === UNKNOWN) return UNKNOWN;
            if (c !== undefined) out[key] = c;
        }
        return Object.keys(out).length === 0 ? undefined : out;
    }
    return v === null ? undefined : v;
}

/** Which task definition a service runs, as the fingerprint keeps it: the stack's own by key (stable across revisions), else the ARN. */
function taskDefinitionKey(views: readonly ResourceView[], service: ResourceView): string {
    const td = serviceTaskDefinition(views, service);
    return td ? keyOf(td) : `foreign:${String(read(() => propsOf<EcsServiceProps>(service).taskDefinition))}`;
}

/**
 * Which distributions a continuous deployment policy names (StagingDistributionDnsNames), by key:
 * the stack's staging distribution, stable while a preview recreates it (its domain unknown until
 * CloudFront assigns one); a name no staging distribution of the stack has stays as it is.
 */
function stagingDistributionKeys(views: readonly ResourceView[], policy: ResourceView): string | Unknown {
    const items = read(() => propsOf<ContinuousDeploymentPolicyProps>(policy).stagingDistributionDnsNames?.items);
    if (items === UNKNOWN) return UNKNOWN;
    const staging = ofType(views, TYPES.distribution).filter((d) => read(() => propsOf<DistributionProps>(d).staging) === true);
    const domainOf = (d: ResourceView) => read(() => propsOf<DistributionProps>(d).domainName);
    const keys = itemsOf(items).map((name) => {
        if (name !== UNKNOWN) {
            const named = staging.find((d) => domainOf(d) === name);
            return named ? keyOf(named) : `name:${String(name)}`;
        }
        const pending = staging.filter((d) => domainOf(d) === UNKNOWN);
        return pending.length === 1 ? keyOf(pending[0]) : UNKNOWN;
    });
    return keys.includes(UNKNOWN) ? UNKNOWN : keys.join(" ");
}

/** The continuous deployment policy a distribution attaches, by key (null: none; an id the stack has no policy for stays as it is). */
function continuousDeploymentPolicyKey(views: readonly ResourceView[], distribution: ResourceView): string | null | Unknown {
    const id = read(() => propsOf<DistributionProps>(distribution).continuousDeploymentPolicyId);
    if (id === undefined || id === null || id === "") return null;
    const policies = ofType(views, TYPES.continuousDeploymentPolicy);
    const idOf = (p: ResourceView) => read(() => propsOf<ContinuousDeploymentPolicyProps>(p).id);
    if (id !== UNKNOWN) {
        const named = policies.find((p) => idOf(p) === id);
        return named ? keyOf(named) : `id:${String(id)}`;
    }
    const pending = policies.filter((p) => idOf(p) === UNKNOWN);
    return pending.length === 1 ? keyOf(pending[0]) : UNKNOWN;
}

/** The unknown fingerprint: a preview cannot tell yet (it compares as a change). */
export const UNKNOWN_FINGERPRINT = "unknown";

function fingerprintsOf(views: readonly ResourceView[], edge: EdgePosition): Record<string, string> {
    const secrets = secretNames(views);
    const out: Record<string, string> = {};
    for (const v of views) {
        const props = read(() =>
            fingerprintProps(v, {
                oldOrigin: edge.oldOrigin,
                taskDefinitionOf: (service) => taskDefinitionKey(views, service),
                stagingDistributionOf: (policy) => stagingDistributionKeys(views, policy),
                continuousDeploymentPolicyOf: (distribution) => continuousDeploymentPolicyKey(views, distribution),
            }),
        );
        if (props === undefined) continue;
        const c = props === UNKNOWN ? UNKNOWN : canonical(props, secrets);
        out[keyOf(v)] =
            c === UNKNOWN
                ? UNKNOWN_FINGERPRINT
                : createHash("sha256")
                      .update(JSON.stringify(c ?? null))
                      .digest("hex")
                      .slice(0, 16);
    }
    return out;
}

// ---------------------------------------------------------------------------

/** The resources a position is computed from: every one but awsx's own VPC resources (lib/resourceModel.ts). */
export function judgedViews(views: readonly ResourceView[]): ResourceView[] {
    return views.filter((v) => !isAwsxVpcChild(v));
}

export function positionOf(all: readonly ResourceView[]): Position {
    const views = judgedViews(all);
    const headers = headersOf(views);
    const labels = targetLabels(views);
    const rules = readRules(views, labels);
    const traffic = headers ? publicTraffic(rules, headers) : [];
    const { edge, primary } = edgeOf(views, headers);
    const capacity = capacityOf(views);
    return {
        version: POSITION_VERSION,
        headers,
        traffic,
        targetGroups: Object.fromEntries([...labels].map(([arn, label]) => [label, arn])),
        liveColors: liveColorsOf(rules, traffic, headers),
        legacyPresent: ofType(views, TYPES.beanstalkEnvironment).length > 0,
        edge,
        runs: runsOf(views),
        capacity,
        protect: protectOf(views),
        stickinessSeconds: stickinessOf(traffic),
        originVerify: originVerifyOf(views, rules, headers, primary),
        dates: datesOf(views),
        cloudFront: cloudFrontOf(views),
        fingerprints: fingerprintsOf(views, edge),
    };
}

// ---------------------------------------------------------------------------
// Reading a position back (the deployed stack's export) and naming it.

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isNullableString = (v: unknown) => v === null || typeof v === "string";
const isNullableNumber = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v));
const perColor = (v: unknown, ok: (x: unknown) => boolean) => isObject(v) && ok(v.blue) && ok(v.green);

/** Which part of a position read back is malformed, or undefined when it is whole. */
function malformed(v: Record<string, unknown>): string | undefined {
    const traffic = v.traffic;
    if (
        !Array.isArray(traffic) ||
        !traffic.every(
            (e) =>
                isObject(e) &&
                typeof e.rule === "string" &&
                typeof e.priority === "number" &&
                (e.paths === null || Array.isArray(e.paths)) &&
                typeof e.partial === "boolean" &&
                (e.shares === null || isObject(e.shares)) &&
                isNullableNumber(e.stickiness),
        )
    )
        return "traffic";
    if (!isObject(v.targetGroups) || !Object.values(v.targetGroups).every((x) => typeof x === "string")) return "targetGroups";
    const edge = v.edge;
    if (
        !isObject(edge) ||
        !(edge.phase === null || (CUTIN_PHASES as readonly unknown[]).includes(edge.phase)) ||
        typeof edge.weight !== "number" ||
        !isNullableString(edge.oldOrigin) ||
        !isNullableString(edge.primary) ||
        !isNullableString(edge.webAcl)
    )
        return "edge";
    if (
        !isObject(v.liveColors) ||
        !(v.liveColors.spring === null || isColor(v.liveColors.spring)) ||
        !(v.liveColors.legacy === null || isColor(v.liveColors.legacy))
    )
        return "liveColors";
    if (typeof v.legacyPresent !== "boolean") return "legacyPresent";
    if (!isObject(v.cloudFront) || !isNullableString(v.cloudFront.prefixList) || !isNullableString(v.cloudFront.vpcOriginGroup)) return "cloudFront";
    if (!isObject(v.runs) || !perColor(v.runs.spring, isNullableString) || !(v.runs.legacy === null || perColor(v.runs.legacy, isNullableString)))
        return "runs";
    if (
        !isObject(v.capacity) ||
        !perColor(v.capacity.spring, isNullableNumber) ||
        !(v.capacity.legacy === null || perColor(v.capacity.legacy, isNullableNumber))
    )
        return "capacity";
    if (!isObject(v.protect) || !Object.values(v.protect).every((x) => typeof x === "boolean")) return "protect";
    if (!isNullableNumber(v.stickinessSeconds)) return "stickinessSeconds";
    const ov = v.originVerify;
    if (!isObject(ov) || !(ov.send === null || SLOTS.includes(ov.send as Slot)) || !Array.isArray(ov.accept) || !isObject(ov.generation)) return "originVerify";
    if (!(
        v.headers === null ||
        (isObject(v.headers) && ["originVerify", "route", "token"].every((k) => typeof (v.headers as Record<string, unknown>)[k] === "string"))
    ))
        return "headers";
    if (!isObject(v.dates)) return "dates";
    if (!isObject(v.fingerprints) || !Object.values(v.fingerprints).every((x) => typeof x === "string")) return "fingerprints";
    return undefined;
}

/** A position read back from a stack output, or why it cannot be judged against (the pack fails closed on a string). */
export function readPosition(value: unknown, what = "position"): Position | string {
    if (value === undefined || value === null) return `the deployed stack exports no ${what}`;
    if (!isObject(value)) return `${what} is not an object`;
    if (value.version !== POSITION_VERSION) return `${what} version ${JSON.stringify(value.version)} is not ${POSITION_VERSION}`;
    const bad = malformed(value);
    return bad ? `${what}.${bad} is missing or malformed` : (value as unknown as Position);
}

/** A short name for a position: what `npm run canary -- confirm` writes (canary.confirm) to confirm exactly it. */
export function positionDigest(p: Position): string {
    return createHash("sha256")
        .update(JSON.stringify(canonical(p, new Map()) ?? null))
        .digest("hex")
        .slice(0, 12);
}

/**
 * The known-good position an update keeps: the deployed position when the operator confirmed
 * exactly it (`confirm` is its digest), else the deployed known-good one (none when unreadable:
 * a confirmation is needed again). The pointer only ever moves to a position that is deployed.
 */
export function knownGoodAfter(args: { deployedPosition: unknown; deployedKnownGood: unknown; confirm?: string }): Position | null {
    const deployed = readPosition(args.deployedPosition);
    if (args.confirm && typeof deployed !== "string" && positionDigest(deployed) === args.confirm) return deployed;
    const kept = readPosition(args.deployedKnownGood, "knownGood");
    return typeof kept === "string" ? null : kept;
}

/** The deployed stack's `position` and `knownGood` outputs, read, or why they cannot be. */
export type DeployedPositions = { position: Position; knownGood: Position | null } | { problem: string };

/**
 * The one reader of a deployed stack's outputs, for the policy pack (policy/judge.ts) and the
 * canary tool (tools/canary/deployed.ts), so the two never disagree on what is readable. A
 * missing `knownGood` key (a program version from before the pointer) is "none confirmed", as
 * `null` is: every move is then judged forward, the strictest reading, and knownGoodAfter keeps
 * none. A `position` of another version or shape, or a malformed `knownGood`, is a problem: the
 * pack has no baseline and refuses every update (docs/policies.md, "Upgrading a stack deployed
 * before position existed").
 */
export function readDeployedPositions(outputs: Readonly<Record<string, unknown>>): DeployedPositions {
    const position = readPosition(outputs[POSITION_OUTPUTS.position]);
    if (typeof position === "string") return { problem: position };
    const pointer = outputs[POSITION_OUTPUTS.knownGood];
    const knownGood = pointer === null || pointer === undefined ? null : readPosition(pointer, POSITION_OUTPUTS.knownGood);
    if (typeof knownGood === "string") return { problem: knownGood };
    return { position, knownGood };
}
