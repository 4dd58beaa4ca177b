/**
 * How the policies read this program's resources: listener rules and what they forward
 * to, the Spring target groups, the Beanstalk pair, the RoutedAlb's recorded routing and
 * the deployed state. Shared by the policy modules; no policy logic here.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
    COLOR_TAG,
    COMPONENT_TYPES,
    DEPLOYED_STATE_OUTPUT,
    DEPLOYED_STATE_REFERENCE,
    LEGACY_TARGET_GROUP_OUTPUTS,
    LEGACY_TARGET_GROUP_SOURCE_OUTPUT,
    RULE_NAME_TAG,
    RULE_ROLE_TAG,
    RULE_TARGETS_TAG,
} from "../lib/contract";
import { DeployedState, TrafficEntry, entriesAt, patternsOf, readDeployedState, sharesAt } from "../lib/deployedState";
import { witnessPaths } from "../lib/pathPatterns";
import type { RuleKind } from "../lib/rules";

export const TYPES = {
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ecsService: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    beanstalkEnvironment: "aws:elasticbeanstalk/environment:Environment",
    distribution: "aws:cloudfront/distribution:Distribution",
    originRequestPolicy: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    cachePolicy: "aws:cloudfront/cachePolicy:CachePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    stackReference: "pulumi:pulumi:StackReference",
    routedAlb: COMPONENT_TYPES.routedAlb,
    fargateService: COMPONENT_TYPES.fargateService,
    legacyPair: COMPONENT_TYPES.legacyBeanstalkPair,
    deployedState: COMPONENT_TYPES.deployedState,
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

export type RuleRole = RuleKind;
export const RULE_ROLES: readonly RuleRole[] = ["qa", "path", "catch-all"];

export interface ForwardTarget {
    arn: string;
    weight: number;
}

export interface RuleView {
    resource: PolicyResource;
    name: string;
    role?: RuleRole;
    priority: number;
    listenerArn: string;
    conditions: any[];
    /** The forward action, or undefined when the rule does not forward. */
    forward?: { targets: ForwardTarget[]; stickiness?: { enabled?: boolean; duration?: number } };
    isCanary: boolean;
    actions: any[];
}

export function tagsOf(r: { props: any }): Record<string, string> {
    return (r.props?.tags as Record<string, string>) ?? {};
}

export function forwardOf(props: any): RuleView["forward"] {
    const actions: any[] = props?.actions ?? [];
    const forward = actions.find((a) => a?.type === "forward");
    if (!forward) return undefined;
    const groups: any[] = forward.forward?.targetGroups ?? (forward.targetGroupArn ? [{ arn: forward.targetGroupArn, weight: 1 }] : []);
    return {
        // The ARN is read only when a check needs it: before the first deployment it is
        // unknown, and reading it makes the whole policy "can't run during preview".
        targets: groups.map((g) => ({
            get arn() {
                return g.arn;
            },
            weight: g.weight,
        })),
        stickiness: forward.forward?.stickiness,
    };
}

export function ruleView(resource: PolicyResource): RuleView {
    const props = resource.props as any;
    const tags = tagsOf(resource);
    const role = tags[RULE_ROLE_TAG] as RuleRole | undefined;
    return {
        resource,
        name: tags[RULE_NAME_TAG] ?? resource.name,
        role,
        priority: Number(props.priority),
        get listenerArn() {
            return props.listenerArn; // unknown before the first deployment: read only when needed
        },
        conditions: props.conditions ?? [],
        forward: forwardOf(props),
        isCanary: role === "path" || role === "catch-all",
        actions: props.actions ?? [],
    };
}

/** What groups rules by listener: the RoutedAlb that owns them (known even before anything exists), else the listener ARN. */
export function listenerKey(rule: RuleView): string {
    return rule.resource.parent?.type === TYPES.routedAlb ? rule.resource.parent.urn : rule.listenerArn;
}

/** Rules grouped by the listener they sit on. */
export function rulesByListener(rules: readonly RuleView[]): RuleView[][] {
    const out = new Map<string, RuleView[]>();
    for (const r of rules) out.set(listenerKey(r), [...(out.get(listenerKey(r)) ?? []), r]);
    return [...out.values()];
}

export function rulesOf(resources: readonly PolicyResource[]): RuleView[] {
    return resources.filter((r) => r.type === TYPES.listenerRule).map(ruleView);
}

/** Spring target group ARN → color, from the FargateService's target groups. */
export function springTargetGroups(resources: readonly PolicyResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        if (r.type === TYPES.targetGroup && r.parent?.type === TYPES.fargateService) {
            out.set((r.props as any).arn, tagsOf(r)[COLOR_TAG] ?? "unknown");
        }
    }
    return out;
}

/**
 * A CloudFront distribution that viewers reach. Only the cut-in's own staging distribution (under
 * the CutinEdge, which comes and goes by phase) is not one: a `staging` flag set anywhere else
 * does not take a distribution out of these checks.
 */
export const isViewerDistribution = (r: PolicyResource) =>
    r.type === TYPES.distribution && !((r.props as any).staging === true && r.parent?.type === COMPONENT_TYPES.cutinEdge);

export function beanstalkEnvironments(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === TYPES.beanstalkEnvironment);
}

/** A Beanstalk environment's option setting (the first one: `zero-downtime-rollout` refuses a setting given twice). */
export function beanstalkSetting(props: any, namespace: string, name: string): string | undefined {
    const s = ((props?.settings ?? []) as any[]).find((x) => x?.namespace === namespace && x?.name === name);
    return s?.value === undefined ? undefined : String(s.value);
}

/**
 * The capacity one color keeps, as the resource declares it: an ECS service's desired task
 * count (none set: 0), a Beanstalk environment's `aws:autoscaling:asg MinSize` (unset: 1,
 * Beanstalk's default). Undefined for other resources. `color` is the color tag, if any.
 */
export function colorCapacity(r: PolicyResource): { side: "spring" | "legacy"; color: string | undefined; count: number; unit: string } | undefined {
    const color = tagsOf(r)[COLOR_TAG];
    if (r.type === TYPES.ecsService) return { side: "spring", color, count: Number((r.props as any).desiredCount ?? 0), unit: "tasks" };
    if (r.type === TYPES.beanstalkEnvironment) {
        return { side: "legacy", color, count: Number(beanstalkSetting(r.props, "aws:autoscaling:asg", "MinSize") ?? 1), unit: "instances" };
    }
    return undefined;
}

/** Spring's share of a forward in percent, computed from the weights (NaN when all are zero). */
export function springShare(targets: readonly ForwardTarget[], springArns: ReadonlyMap<string, string>): number {
    const total = targets.reduce((s, t) => s + (Number(t.weight) || 0), 0);
    const spring = targets.filter((t) => springArns.has(t.arn)).reduce((s, t) => s + (Number(t.weight) || 0), 0);
    return total === 0 ? NaN : (spring * 100) / total;
}

/** Header conditions of a rule, as name (lower case) → values. */
export function headerConditions(rule: RuleView): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of rule.conditions) {
        if (c?.httpHeader?.httpHeaderName) {
            out.set(String(c.httpHeader.httpHeaderName).toLowerCase(), c.httpHeader.values ?? []);
        }
    }
    return out;
}

/** Legacy (Beanstalk) target group ARN → color, from the LegacyBeanstalkPair's registered outputs. */
export function legacyTargetGroups(resources: readonly PolicyResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources.filter((x) => x.type === TYPES.legacyPair)) {
        for (const [color, key] of Object.entries(LEGACY_TARGET_GROUP_OUTPUTS)) {
            const arn = (r.props as any)[key];
            if (typeof arn === "string") out.set(arn, color);
        }
    }
    return out;
}

/** Where the LegacyBeanstalkPair took its target group ARNs from (LEGACY_TARGET_GROUP_SOURCES), as it registered it. */
export function legacyTargetGroupSource(pair: PolicyResource): string | undefined {
    const source = (pair.props as any)[LEGACY_TARGET_GROUP_SOURCE_OUTPUT];
    return typeof source === "string" ? source : undefined;
}

/** Whether reading a value hits an unknown (a preview before the resource exists), without failing the policy. */
export function isUnknown(read: () => unknown): boolean {
    try {
        JSON.stringify(read());
        return false;
    } catch (err) {
        if ((err as Error)?.constructor?.name === "UnknownValueError") return true;
        throw err;
    }
}

/** ALB header condition values are patterns: `*` and `?` are wildcards. A secret must be matched literally. */
export function hasWildcard(value: unknown): boolean {
    return typeof value !== "string" || /[*?]/.test(value);
}

/** "<stack>", "<project>" of a URN (urn:pulumi:<stack>::<project>::<type>::<name>). */
export function stackOf(urn: string): { stack: string; project: string } {
    const [head, project] = urn.split("::");
    return { stack: head.replace(/^urn:pulumi:/, ""), project };
}

/** The outputs of the last deployment through the self-reference ({} never deployed), or undefined when there is no readable self-reference. */
export function deployedOutputs(resources: readonly PolicyResource[]): Record<string, any> | undefined {
    const refs = resources.filter((r) => r.type === TYPES.stackReference && r.name === DEPLOYED_STATE_REFERENCE);
    if (refs.length !== 1 || selfReferenceProblem(refs[0])) return undefined;
    return ((refs[0].props as any).outputs ?? {}) as Record<string, any>;
}

/** Why a StackReference is not this stack's reference to itself, or undefined. */
function selfReferenceProblem(ref: PolicyResource): string | undefined {
    const { stack, project } = stackOf(ref.urn);
    const name = String((ref.props as any).name ?? "");
    const self = name === stack || name === `${project}/${stack}` || name.endsWith(`/${project}/${stack}`);
    return self ? undefined : `StackReference "${DEPLOYED_STATE_REFERENCE}" names ${name || "nothing"}, not this stack (${project}/${stack})`;
}

export type Deployed = { kind: "state"; state: DeployedState } | { kind: "new" } | { kind: "unjudgeable"; reason: string };

/**
 * The last deployment's state, through the stack's StackReference to itself. Its outputs
 * are empty only for a stack never deployed (the one case the pack lets through without
 * a comparison); a missing or foreign reference, or an export the pack cannot read, makes
 * every comparison impossible, and the policies that need it refuse.
 */
export function deployedStateIn(resources: readonly PolicyResource[]): Deployed {
    const refs = resources.filter((r) => r.type === TYPES.stackReference && r.name === DEPLOYED_STATE_REFERENCE);
    if (refs.length !== 1) {
        return {
            kind: "unjudgeable",
            reason: `the stack needs exactly one StackReference "${DEPLOYED_STATE_REFERENCE}" to its own last deployment (found ${refs.length})`,
        };
    }
    const ref = refs[0];
    const problem = selfReferenceProblem(ref);
    if (problem) return { kind: "unjudgeable", reason: problem };
    const outputs = ((ref.props as any).outputs ?? {}) as Record<string, unknown>;
    if (Object.keys(outputs).length === 0) {
        // Never deployed: then nothing the program creates can exist yet. A resource with a known
        // id in the preview exists already, so the empty outputs are not this stack's.
        const existing = existingCreatedResources(resources);
        return existing.length === 0
            ? { kind: "new" }
            : {
                  kind: "unjudgeable",
                  reason: `the reference returns no outputs, as for a stack never deployed, but ${existing.slice(0, 3).join(", ")} already exist(s)`,
              };
    }
    const state = readDeployedState(outputs[DEPLOYED_STATE_OUTPUT]);
    return typeof state === "string" ? { kind: "unjudgeable", reason: state } : { kind: "state", state };
}

/**
 * Resources the program always creates (never imports; the cut-in imports only its distribution
 * and records) that already exist: their id is known in the preview.
 */
function existingCreatedResources(resources: readonly PolicyResource[]): string[] {
    const created: ReadonlySet<string> = new Set([TYPES.loadBalancer, TYPES.listener, TYPES.targetGroup, TYPES.beanstalkEnvironment, TYPES.ecsService]);
    return resources.filter((r) => created.has(r.type) && !isUnknown(() => (r.props as any).id) && (r.props as any).id).map((r) => r.name);
}

/** The organization segment of the deployed-state reference's name (`<org>/<project>/<stack>`), if it has one. */
export function deployedStateOrganization(resources: readonly PolicyResource[]): string | undefined {
    const ref = resources.find((r) => r.type === TYPES.stackReference && r.name === DEPLOYED_STATE_REFERENCE);
    const parts = String((ref?.props as any)?.name ?? "").split("/");
    return parts.length === 3 ? parts[0] : undefined;
}

/** The DeployedState this update records (and exports), or why there is none. */
export function recordedStateIn(resources: readonly PolicyResource[]): DeployedState | string {
    const records = resources.filter((r) => r.type === TYPES.deployedState);
    if (records.length !== 1) return `the stack needs exactly one ${TYPES.deployedState} record of the state it deploys (found ${records.length})`;
    const state = readDeployedState(records[0].props);
    return typeof state === "string" ? state.replace("the deployed stack exports no deployedState", "the record is empty") : state;
}

/** How one listener rule is judged: whether the public can reach it, and what it does with the requests it takes. */
export interface PublicRule {
    rule: RuleView;
    /** Reached without the QA token: its share counts for the public traffic. */
    public: boolean;
    /** Takes only some of the requests on its paths (conditions beyond the origin header and the path). */
    partial: boolean;
    paths: string[] | null;
}

/** Whether a rule requires the QA token: a condition on the token header with exactly one literal value. */
export function requiresToken(rule: RuleView, tokenHeader: string): boolean {
    const matches = rule.conditions.filter((c) => String(c?.httpHeader?.httpHeaderName ?? "").toLowerCase() === tokenHeader.toLowerCase());
    // A value still unknown is a secret being generated (qa-routes-protected checks it once known).
    const literal = (values: any[]) => values.length === 1 && (isUnknown(() => values[0]) || !hasWildcard(values[0]));
    return matches.some((c) => literal(c.httpHeader.values ?? []));
}

/** Read a rule's conditions as the public sees them: which paths it takes, and whether only some of their requests. */
export function publicRule(rule: RuleView, names: DeployedState["headers"]): PublicRule {
    let paths: string[] | null = null;
    let partial = false;
    for (const c of rule.conditions) {
        if (c?.pathPattern) {
            const values: string[] = c.pathPattern.values ?? [];
            // Several path conditions must all match: the first is an upper bound; the rest make it partial.
            if (paths === null) paths = values;
            else partial = true;
        } else if (String(c?.httpHeader?.httpHeaderName ?? "").toLowerCase() === names.originVerify.toLowerCase()) {
            // CloudFront adds it to every request (origin-locked checks the values).
        } else {
            partial = true; // any other condition: a method, a host, a header anyone may send
        }
    }
    return { rule, public: !requiresToken(rule, names.token), partial, paths };
}

/**
 * Spring's share of a rule's forward in percent (NaN when it does not forward or all
 * weights are 0). The target group ARNs say where traffic goes; only while they are
 * unknown (target groups not created yet, a first deployment) does the rule's own
 * targets tag say which side each one is.
 */
export function ruleShare(rule: RuleView, springArns: ReadonlyMap<string, string>): number {
    if (!rule.forward || rule.actions.length !== 1) return NaN;
    const targets = rule.forward.targets;
    if (targets.some((t) => isUnknown(() => t.arn))) {
        const labels = String(tagsOf(rule.resource)[RULE_TARGETS_TAG] ?? "").split(" ");
        const total = targets.reduce((s, t) => s + (Number(t.weight) || 0), 0);
        const spring = targets.filter((_, i) => labels[i]?.startsWith("spring-")).reduce((s, t) => s + (Number(t.weight) || 0), 0);
        return total === 0 ? NaN : (spring * 100) / total;
    }
    return springShare(targets, springArns);
}

/** The public traffic table of the new state, from the rules themselves: what the requests actually get. */
export function publicTraffic(resources: readonly PolicyResource[], names: DeployedState["headers"]): (TrafficEntry & { partial: boolean; rule: RuleView })[] {
    const springArns = springTargetGroups(resources);
    return rulesOf(resources)
        .map((r) => publicRule(r, names))
        .filter((p) => p.public)
        .map((p) => ({ priority: p.rule.priority, paths: p.paths, partial: p.partial, springPercent: ruleShare(p.rule, springArns), rule: p.rule }))
        .sort((x, y) => x.priority - y.priority);
}

/** A rule that gives requests on `path` more Spring than the deployed rules gave them (`from`). */
export interface Rise {
    path: string;
    from: number;
    entry: PublicTrafficEntry;
}

export type PublicTrafficEntry = ReturnType<typeof publicTraffic>[number];

/**
 * Every rise of Spring's share from the deployed traffic table to the new rules, on the
 * witness paths; once per rule and starting share. A path no deployed rule served got the
 * listener's 403: it starts from 0.
 */
export function risesPerPath(before: readonly TrafficEntry[], after: readonly PublicTrafficEntry[]): Rise[] {
    const out = new Map<string, Rise>();
    for (const path of witnessPaths(patternsOf(before, after))) {
        const was = sharesAt(before, path);
        const from = was.length > 0 ? Math.min(...was) : 0;
        for (const entry of entriesAt(after, path)) {
            const key = `${entry.rule.name} ${from}`;
            // NaN (no forward) never rises: listener-rules-accounted refuses such a rule.
            if (entry.springPercent > from + 1e-9 && !out.has(key)) out.set(key, { path, from, entry });
        }
    }
    return [...out.values()];
}

/** How Spring's shares move from the deployed state on the witness paths: up on some path, down on some (or the pair comes back). Undefined when it cannot be judged. */
function shareMoves(resources: readonly PolicyResource[], deployed: Deployed): { up: boolean; down: boolean } | undefined {
    const record = recordedStateIn(resources);
    if (deployed.kind !== "state" || typeof record === "string") return undefined;
    const before = deployed.state.traffic;
    const after = publicTraffic(resources, record.headers);
    const moves = { up: false, down: !deployed.state.legacyPresent && record.legacyPresent };
    for (const path of witnessPaths(patternsOf(before, after))) {
        const was = Math.min(...sharesAt(before, path), 100);
        const now = sharesAt(after, path);
        if (now.some((share) => !(share <= was + 1e-9))) moves.up = true;
        if (now.some((share) => share < was - 1e-9)) moves.down = true;
    }
    return moves;
}

/**
 * The sides to which some request path gets a public share, on the witness paths of
 * `patterns` (first match by priority, as for the share moves): a rule another rule shadows
 * on every path it names gives viewers nothing.
 */
export function sidesServing(
    table: readonly (TrafficEntry & { partial?: boolean })[],
    legacyPresent: boolean,
    patterns: readonly string[],
): { spring: boolean; legacy: boolean } {
    const shares = witnessPaths(patterns).flatMap((path) => sharesAt(table, path));
    return { spring: shares.some((share) => share > 1e-9), legacy: legacyPresent && shares.some((share) => share < 100 - 1e-9) };
}

/**
 * Whether this update moves back toward the deployed state's rollback target: Spring's
 * share goes up on no request path, and down on some (or the Beanstalk pair comes back).
 * Such an update is never blocked by a violation the deployed state already had.
 */
export function movesBack(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    const moves = shareMoves(resources, deployed);
    return moves !== undefined && !moves.up && moves.down;
}

/** Whether this update raises Spring's share on no request path (a color flip, a release, a move back). */
export function raisesNoShare(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    const moves = shareMoves(resources, deployed);
    return moves !== undefined && !moves.up;
}
