/**
 * The path CloudFront → ALB → Spring tasks, hop by hop: who may open a connection to the tasks
 * and whether the ALB still can (tasks-reachable), whether each hop's timeouts let the next one
 * close its connections first (connection-timeouts-ordered), and whether the ALB's certificate
 * answers to the name CloudFront checks it against (alb-origin-certificate).
 *
 * All three are findings about the resources (`check`): on a move back or no move every judged
 * property is as deployed, so they are excused then (policy/judge.ts). Values a preview does not
 * know yet are skipped one by one (lib/resources.ts read/itemsOf); a security group id that is
 * not known yet is resolved through the dependency the engine records for it (an unknown id in a
 * resource's input comes from a resource it depends on).
 */
import { ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID, ALL_VIEWER_EXCEPT_HOST_POLICY_ID, ALL_VIEWER_POLICY_ID } from "../lib/cloudfront";
import { COMPONENT_TYPES, TRAFFIC_PORT } from "../lib/contract";
import { isViewerDistribution, sameHeader } from "../lib/position";
import {
    CacheBehavior,
    ContainerDefinition,
    DistributionProps,
    EcsServiceProps,
    IngressRuleProps,
    ListenerProps,
    LoadBalancerProps,
    OriginRequestPolicyProps,
    ResourceView,
    SecurityGroupProps,
    SubnetProps,
    TYPES,
    TargetGroupProps,
    TaskDefinitionProps,
    UNKNOWN,
    cacheBehaviors,
    itemsOf,
    ofType,
    parentTypeOf,
    propsOf,
    read,
} from "../lib/resources";
import { Finding, Judgement, dependenciesOf, stackPolicy } from "./judge";
import { beanstalkProcesses, numeric } from "./rollout";

// ---------------------------------------------------------------------------
// Security group rules, whatever their form

/** A standalone egress rule type the program never uses; judged if one appears (closed-world refuses its type too). */
const EGRESS_RULE_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

type Direction = "ingress" | "egress";

/** One rule of a security group, in one shape: what it admits, on which protocol and ports. */
interface SgRule {
    protocol: string;
    from: number;
    to: number;
    cidrs: string[];
    prefixLists: string[];
    /** Referenced groups: an id, or UNKNOWN while a preview does not know it. */
    groups: (string | typeof UNKNOWN)[];
    self: boolean;
}

/** An inline rule (aws.ec2.SecurityGroup ingress/egress) or a standalone one (aws.vpc, or aws.ec2.SecurityGroupRule). */
type AnyRule = Partial<NonNullable<SecurityGroupProps["ingress"]>[number]> & IngressRuleProps;

/** The items of a list property, each read on its own; UNKNOWN while the list itself is (reading it through the SDK's proxy would throw). */
function listAt<T>(get: () => readonly T[] | null | undefined): (T | typeof UNKNOWN)[] | typeof UNKNOWN {
    const list = read(get);
    return list === UNKNOWN ? UNKNOWN : itemsOf(list);
}
const known = <T>(list: (T | typeof UNKNOWN)[] | typeof UNKNOWN): T[] => (list === UNKNOWN ? [] : list.filter((x): x is T => x !== UNKNOWN));

/** The strings of properties that hold one or a list (unknown ones left out: a CIDR a preview does not know yet is no CIDR the pack can name). */
const strings = (...gets: (() => unknown)[]): string[] =>
    gets
        .flatMap((get) => {
            const v = read(get);
            return Array.isArray(v) ? itemsOf(v) : [v];
        })
        .filter((v): v is string => typeof v === "string" && v !== "");

function normalised(r: AnyRule): SgRule {
    const listed = listAt(() => r.securityGroups);
    const groups = [...(listed === UNKNOWN ? [UNKNOWN] : listed), read(() => r.referencedSecurityGroupId), read(() => r.sourceSecurityGroupId)]
        .filter((g) => g !== undefined && g !== null && g !== "")
        .map((g) => (g === UNKNOWN ? UNKNOWN : String(g)));
    return {
        protocol: String(read(() => r.protocol ?? r.ipProtocol) ?? "").toLowerCase(),
        from: Number(read(() => r.fromPort)),
        to: Number(read(() => r.toPort)),
        cidrs: strings(
            () => r.cidrBlocks,
            () => r.ipv6CidrBlocks,
            () => r.cidrIpv4,
            () => r.cidrIpv6,
        ),
        prefixLists: strings(
            () => r.prefixListIds,
            () => r.prefixListId,
        ),
        groups,
        self: read(() => r.self) === true,
    };
}

/** Whether a rule lets TCP through on `port` ("-1": every protocol and port). */
function coversPort(rule: SgRule, port: number): boolean {
    if (rule.protocol === "-1" || rule.protocol === "all") return true;
    return (rule.protocol === "tcp" || rule.protocol === "6") && rule.from <= port && port <= rule.to;
}

/** Whether a rule admits any port beyond `allowed`. */
function beyond(rule: SgRule, allowed: readonly number[]): boolean {
    if (rule.protocol === "-1" || rule.protocol === "all") return true;
    if (!Number.isInteger(rule.from) || !Number.isInteger(rule.to)) return true;
    return rule.to - rule.from + 1 > allowed.filter((p) => rule.from <= p && p <= rule.to).length;
}

const describeRule = (r: SgRule) => `${r.protocol === "-1" ? "all traffic" : `${r.protocol} ${r.from === r.to ? r.from : `${r.from}–${r.to}`}`}`;

/** The key a group is known by in this evaluation: its id, or its URN while its id is unknown. */
const idOf = (g: ResourceView): string | typeof UNKNOWN => {
    const id = read(() => propsOf<SecurityGroupProps>(g).id);
    return typeof id === "string" ? id : UNKNOWN;
};
const keyOf = (g: ResourceView): string => {
    const id = idOf(g);
    return id === UNKNOWN ? g.urn : id;
};

/** What one evaluation knows about the security groups: by key, and each one's rules. */
interface Groups {
    byKey: Map<string, ResourceView>;
    rules: (group: ResourceView, direction: Direction) => SgRule[];
    /** The keys of the groups a list of ids names; an unknown id resolves to the id-less groups `owner` depends on. */
    resolve: (owner: ResourceView, ids: unknown) => { keys: Set<string>; unresolved: boolean };
}

function standaloneRules(j: Judgement, group: ResourceView, direction: Direction): SgRule[] {
    const deps = dependenciesOf(j);
    const id = idOf(group);
    const forGroup = (r: ResourceView) => {
        const target = read(() => propsOf<IngressRuleProps>(r).securityGroupId);
        return target === UNKNOWN ? id === UNKNOWN && (deps.get(r.urn)?.has(group.urn) ?? false) : target === id;
    };
    return j.views
        .filter(
            (r) =>
                (direction === "ingress" && r.type === TYPES.securityGroupIngressRule) ||
                (direction === "egress" && r.type === EGRESS_RULE_TYPE) ||
                (r.type === TYPES.securityGroupRule && propsOf<IngressRuleProps>(r).type === direction),
        )
        .filter(forGroup)
        .map((r) => normalised(propsOf<AnyRule>(r)));
}

function groupsOf(j: Judgement): Groups {
    const views = ofType(j.views, TYPES.securityGroup);
    const byKey = new Map(views.map((g) => [keyOf(g), g]));
    const deps = dependenciesOf(j);
    return {
        byKey,
        rules: (group, direction) => {
            const inline = read(() => propsOf<SecurityGroupProps>(group)[direction]);
            const list = inline === UNKNOWN || !Array.isArray(inline) ? [] : itemsOf(inline as AnyRule[]).filter((r): r is AnyRule => r !== UNKNOWN && !!r);
            return [...list.map(normalised), ...standaloneRules(j, group, direction)];
        },
        resolve: (owner, ids) => {
            const keys = new Set<string>();
            let unresolved = false;
            for (const id of itemsOf(read(() => ids) === UNKNOWN ? [UNKNOWN] : (ids as unknown[]))) {
                if (id !== UNKNOWN) {
                    keys.add(String(id));
                    continue;
                }
                const pending = views.filter((g) => idOf(g) === UNKNOWN && (deps.get(owner.urn)?.has(g.urn) ?? false));
                if (pending.length === 0) unresolved = true;
                for (const g of pending) keys.add(g.urn);
            }
            return { keys, unresolved };
        },
    };
}

// ---------------------------------------------------------------------------
// tasks-reachable

/** CIDR blocks meaning "anywhere": the NAT gateway's way to AWS's public endpoints. */
const ANYWHERE = ["0.0.0.0/0", "::/0"];
const HTTPS_PORT = 443;

/** What the ALB must reach on a Spring service's tasks: the container port and the health check port, per target group. */
function requiredPorts(j: Judgement, service: ResourceView): { ports: number[]; unreadable: boolean } {
    const lbs = listAt(() => propsOf<EcsServiceProps>(service).loadBalancers);
    if (lbs === UNKNOWN) return { ports: [], unreadable: true };
    const groups = ofType(j.views, TYPES.targetGroup);
    const ports = new Set<number>();
    let unreadable = false;
    for (const lb of lbs) {
        const port = lb === UNKNOWN ? NaN : Number(read(() => lb.containerPort));
        if (!Number.isInteger(port)) {
            unreadable = true;
            continue;
        }
        ports.add(port);
        const arn = lb === UNKNOWN ? UNKNOWN : read(() => lb.targetGroupArn);
        const tg = groups.find((g) => arn !== UNKNOWN && read(() => propsOf<TargetGroupProps>(g).arn) === arn);
        // ELB: the health check port defaults to "traffic-port", the port the target was registered on (the container port for ECS).
        const hcPort = tg ? read(() => propsOf<TargetGroupProps>(tg).healthCheck?.port) : undefined;
        if (hcPort === UNKNOWN) unreadable = true;
        else if (hcPort !== undefined && hcPort !== null && hcPort !== "traffic-port") ports.add(Number(hcPort));
    }
    return { ports: [...ports].sort((a, b) => a - b), unreadable };
}

/** Ingress of the task groups: only the ALB's groups, only on the required ports. */
function ingressFindings(taskGroups: ResourceView[], alb: Set<string>, ports: number[], g: Groups, say: (code: string, m: string) => void): void {
    for (const group of taskGroups) {
        for (const rule of g.rules(group, "ingress")) {
            const resolved = rule.groups.map((id) => (id === UNKNOWN ? g.resolve(group, [UNKNOWN]) : { keys: new Set([id]), unresolved: false }));
            const foreign = [
                ...rule.cidrs.map((c) => `CIDR ${c}`),
                ...rule.prefixLists.map((p) => `prefix list ${p}`),
                ...(rule.self ? ["its own members (self)"] : []),
                ...resolved.flatMap((r) => [...r.keys].filter((k) => !alb.has(k)).map((k) => `security group ${g.byKey.get(k)?.name ?? k}`)),
                ...(resolved.some((r) => r.unresolved) ? ["a security group whose id is not known"] : []),
            ];
            if (foreign.length > 0)
                say(
                    "task-ingress-foreign",
                    `${group.name} admits ${foreign.join(", ")} (${describeRule(rule)}): only the ALB's security group may reach the tasks, or a request skips the listener rules' origin-verify and QA-token conditions`,
                );
            else if (beyond(rule, ports))
                say(
                    "task-ingress-port",
                    `${group.name} admits the ALB on ${describeRule(rule)}: only on ${ports.join(", ")} (the container and health check ports)`,
                );
        }
    }
}

/** Each required port is open from an ALB group, and the ALB's own groups let it out. */
function pathFindings(
    taskGroups: ResourceView[],
    albGroups: ResourceView[],
    alb: Set<string>,
    ports: number[],
    g: Groups,
    say: (code: string, m: string) => void,
): void {
    const tasks = new Set(taskGroups.map(keyOf));
    const fromAlb = (rule: SgRule, group: ResourceView) =>
        rule.groups.some((id) => (id === UNKNOWN ? [...g.resolve(group, [UNKNOWN]).keys].some((k) => alb.has(k)) : alb.has(id)));
    for (const port of ports) {
        if (!taskGroups.some((group) => g.rules(group, "ingress").some((r) => fromAlb(r, group) && coversPort(r, port))))
            say(
                "task-unreachable",
                `no security group of the service admits the ALB's security group on tcp ${port}: the ALB's requests and health checks time out and the color is unhealthy (ELB User Guide, "Security groups for your Application Load Balancer")`,
            );
        const toTasks = (r: SgRule, group: ResourceView) =>
            r.cidrs.length > 0 || r.groups.some((id) => (id === UNKNOWN ? [...g.resolve(group, [UNKNOWN]).keys].some((k) => tasks.has(k)) : tasks.has(id)));
        if (albGroups.length > 0 && !albGroups.some((group) => g.rules(group, "egress").some((r) => toTasks(r, group) && coversPort(r, port))))
            say(
                "alb-egress-blocked",
                `no security group of the ALB lets it out to the tasks on tcp ${port}: it must reach them on the traffic and health check ports in both directions`,
            );
    }
}

/**
 * The tasks' way out: ECR (image pulls of every new or replacement task), CloudWatch Logs and
 * Secrets Manager, over HTTPS from the task's own network interface (ECS Developer Guide, "Amazon
 * ECS task networking options for Fargate": a route to the internet through a NAT gateway, or
 * interface VPC endpoints). The stack declares no VPC endpoint, so those are AWS's public
 * addresses: tcp 443 to anywhere. (A VPC with endpoints would need their security groups here.)
 */
function egressFindings(taskGroups: ResourceView[], g: Groups, say: (code: string, m: string) => void): void {
    const out = taskGroups.some((group) => g.rules(group, "egress").some((r) => coversPort(r, HTTPS_PORT) && r.cidrs.some((c) => ANYWHERE.includes(c))));
    if (!out)
        say(
            "task-egress-missing",
            "no security group of the service lets the tasks out on tcp 443 to 0.0.0.0/0: a new or replacement task cannot pull its image from ECR, write its logs or fetch its secrets (the stack declares no VPC endpoint, so the tasks reach them through the NAT gateway)",
        );
}

/**
 * Availability Zones: a subnet is in one AZ, so a service in one subnet runs in one AZ. Where the
 * stack declares its subnets (an awsx VPC's children) the AZs are read and must be at least two,
 * each one the ALB's too ("If you register targets in an Availability Zone but do not enable the
 * Availability Zone, these registered targets do not receive traffic": ELB User Guide,
 * "Availability Zones and load balancer nodes"). With an existing VPC the subnets are ids from
 * config and their AZs are not in the stack: two distinct subnets is all the pack can check.
 */
function zoneFindings(j: Judgement, service: ResourceView, say: (code: string, m: string) => void): void {
    const subnets = listAt(() => propsOf<EcsServiceProps>(service).networkConfiguration?.subnets);
    if (subnets === UNKNOWN) return;
    if (subnets.length === 0 || subnets.includes(UNKNOWN)) {
        if (subnets.length === 0) say("task-single-az", "names no subnet");
        return;
    }
    const ids = [...new Set(subnets.map(String))];
    if (ids.length < 2) {
        say("task-single-az", `runs in one subnet (${ids.join(", ")}), so in one Availability Zone: an AZ impairment takes the whole color down`);
        return;
    }
    const zones = new Map(
        ofType(j.views, TYPES.subnet).map((s) => [read(() => propsOf<SubnetProps>(s).id), read(() => propsOf<SubnetProps>(s).availabilityZone)]),
    );
    const zoneOf = (id: string) => {
        const z = zones.get(id);
        return typeof z === "string" ? z : undefined;
    };
    const az = ids.map(zoneOf);
    if (az.some((z) => z === undefined)) return;
    if (new Set(az).size < 2) say("task-single-az", `runs in subnets of one Availability Zone (${az[0]})`);
    const albZones = ofType(j.views, TYPES.loadBalancer).flatMap((lb) => {
        const list = listAt(() => propsOf<LoadBalancerProps>(lb).subnets);
        return list === UNKNOWN ? [undefined] : list.map((s) => (s === UNKNOWN ? undefined : zoneOf(String(s))));
    });
    if (albZones.length === 0 || albZones.some((z) => z === undefined)) return;
    const outside = [...new Set(az)].filter((z) => !albZones.includes(z));
    if (outside.length > 0) say("task-az-outside-alb", `runs tasks in ${outside.join(", ")}, where the ALB has no subnet: those tasks receive no traffic`);
}

function serviceFindings(j: Judgement, service: ResourceView, g: Groups, alb: { keys: Set<string>; groups: ResourceView[] }): Finding[] {
    const out: Finding[] = [];
    const say = (code: string, m: string) => out.push({ code, message: `ECS service ${service.name}: ${m}`, urn: service.urn });
    const ids = read(() => propsOf<EcsServiceProps>(service).networkConfiguration?.securityGroups);
    const { keys, unresolved } = g.resolve(service, ids ?? []);
    const taskGroups = [...keys].map((k) => g.byKey.get(k)).filter((x): x is ResourceView => x !== undefined);
    const { ports, unreadable } = requiredPorts(j, service);
    if (!unresolved && !unreadable && alb.keys.size > 0) {
        ingressFindings(taskGroups, alb.keys, ports, g, say);
        pathFindings(taskGroups, alb.groups, alb.keys, ports, g, say);
    }
    if (!unresolved) egressFindings(taskGroups, g, say);
    zoneFindings(j, service, say);
    // What these findings are computed from: the service, the groups and their rules, the ALB and its target groups (never the task definition's release).
    const evidence = [
        service.urn,
        ...taskGroups.map((v) => v.urn),
        ...alb.groups.map((v) => v.urn),
        ...[TYPES.loadBalancer, TYPES.targetGroup, TYPES.securityGroupIngressRule, TYPES.securityGroupRule].flatMap((t) =>
            ofType(j.views, t).map((v) => v.urn),
        ),
    ];
    return out.map((f) => ({ ...f, evidence }));
}

/** The ALB's security groups (the routed ALB: the stack's one Application Load Balancer). */
function albGroups(j: Judgement, g: Groups): { keys: Set<string>; groups: ResourceView[] } {
    const keys = new Set<string>();
    for (const lb of ofType(j.views, TYPES.loadBalancer)) {
        const resolved = g.resolve(lb, read(() => propsOf<LoadBalancerProps>(lb).securityGroups) ?? []);
        if (resolved.unresolved) return { keys: new Set(), groups: [] };
        for (const k of resolved.keys) keys.add(k);
    }
    return { keys, groups: [...keys].map((k) => g.byKey.get(k)).filter((x): x is ResourceView => x !== undefined) };
}

/**
 * The application listens where the ALB sends: Spring Boot's `server.port` (SERVER_PORT, which the
 * program sets) is the container's port mapping, the port ECS registers in the target group.
 * Otherwise every request and health check finds nothing listening, and the color is unhealthy.
 */
function listenFindings(j: Judgement): Finding[] {
    const out: Finding[] = [];
    for (const { td, c } of servingContainers(j)) {
        const ports = (c.portMappings ?? []).map((m) => m.containerPort);
        const { value, problem } = springProperty(c, "SERVER_PORT", "serverport");
        const port = value === undefined ? NaN : Number(value);
        if (problem || !ports.includes(port))
            out.push({
                code: "task-port-mismatch",
                message: `${td.name} container ${c.name}: ${problem ?? `SERVER_PORT=${value}`}, but the ALB reaches it on ${ports.join(", ")} (its port mapping): the application must listen there`,
                urn: td.urn,
            });
    }
    return out;
}

/**
 * One VPC: a security group admits another group's members only within its VPC (or a peered one,
 * which this stack does not declare), and ECS places a task's interface in its subnets' VPC with
 * groups of that VPC. A group of the path in another VPC than the ALB's admits nobody on it.
 */
function vpcFindings(j: Judgement, alb: { groups: ResourceView[] }): Finding[] {
    const vpcOf = (g: ResourceView) => read(() => propsOf<SecurityGroupProps>(g).vpcId);
    const albVpcs = new Set(alb.groups.map(vpcOf).filter((v): v is string => typeof v === "string"));
    if (albVpcs.size !== 1) return [];
    const [vpc] = [...albVpcs];
    return ofType(j.views, TYPES.securityGroup)
        .filter((g) => typeof vpcOf(g) === "string" && vpcOf(g) !== vpc)
        .map((g) => ({
            code: "group-other-vpc",
            message: `${g.name} is in ${String(vpcOf(g))}, not in the ALB's VPC ${vpc}: its rules admit no one on the ALB's path`,
            urn: g.urn,
        }));
}

export const tasksReachable = stackPolicy<object>({
    name: "tasks-reachable",
    description:
        "Each Spring color's tasks are reached by the ALB and by nothing else: their security groups admit exactly the ALB's security group, on the container and health check ports only (no CIDR, private or not, no prefix list, no other group, not self), the ALB's groups let it out to them, the application listens on its port mapping (SERVER_PORT), every group is in the ALB's VPC, the tasks keep tcp 443 out to anywhere (ECR, CloudWatch Logs, Secrets Manager through the NAT gateway), and each service spans two subnets (two Availability Zones where the stack declares its subnets, each one the ALB's too).",
    severity: "critical",
    remediationSteps:
        "Keep the FargateService security groups as the program builds them: ingress from the RoutedAlb's security group on the container port, egress to 0.0.0.0/0; run each service in the private subnets of at least two Availability Zones (network.privateSubnetIds). Reach a task for debugging through ECS Exec, never by opening its security group.",
    check: (j) => {
        const g = groupsOf(j);
        const alb = albGroups(j, g);
        return [
            ...ofType(j.views, TYPES.ecsService)
                .filter((s) => {
                    const lbs = listAt(() => propsOf<EcsServiceProps>(s).loadBalancers);
                    return lbs === UNKNOWN || lbs.length > 0;
                })
                .flatMap((s) => serviceFindings(j, s, g, alb)),
            ...listenFindings(j),
            ...vpcFindings(j, alb),
        ];
    },
});

// ---------------------------------------------------------------------------
// connection-timeouts-ordered

/** AWS's defaults (ELB User Guide, "Connection idle timeout"; CloudFront API reference, CustomOriginConfig / VpcOriginConfig). */
const ALB_DEFAULT_IDLE_SECONDS = 60;
const CLOUDFRONT_DEFAULT_READ_SECONDS = 30;
const CLOUDFRONT_DEFAULT_KEEPALIVE_SECONDS = 5;
/** The ELB's deregistration delay when a target group sets none (ELB User Guide, "Deregistration delay"). */
const ELB_DEFAULT_DEREGISTRATION_SECONDS = 300;

type Origin = NonNullable<DistributionProps["origins"]>[number];

/** An origin that reaches the routed ALB: through a VPC origin, or carrying the origin-verify header; never the cut-in's old origin. */
function routedOrigins(j: Judgement): { dist: ResourceView; origin: Origin }[] {
    const verify = j.proposed.headers?.originVerify;
    const old = j.proposed.edge.oldOrigin;
    const carriesVerify = (o: Origin) =>
        !!verify &&
        known(listAt(() => o.customHeaders)).some((h) =>
            sameHeader(
                read(() => h?.name),
                verify,
            ),
        );
    return ofType(j.views, TYPES.distribution).flatMap((dist) =>
        known(listAt(() => propsOf<DistributionProps>(dist).origins))
            .filter((o): o is Origin => !!o)
            .filter(
                (o) =>
                    !(
                        old &&
                        sameHeader(
                            read(() => o.domainName),
                            old,
                        )
                    ),
            )
            .filter((o) => !!read(() => o.vpcOriginConfig) || carriesVerify(o))
            .map((origin) => ({ dist, origin })),
    );
}

/** An origin's response (read) timeout and keep-alive, CloudFront's defaults filled in. */
function originTimeouts(o: Origin): { read: number; keepalive: number } {
    const config = read(() => o.vpcOriginConfig ?? o.customOriginConfig);
    const get = (key: "originReadTimeout" | "originKeepaliveTimeout", fallback: number) => {
        const v = config === UNKNOWN || !config ? undefined : read(() => config[key]);
        return v === undefined || v === null ? fallback : v === UNKNOWN ? NaN : Number(v);
    };
    return { read: get("originReadTimeout", CLOUDFRONT_DEFAULT_READ_SECONDS), keepalive: get("originKeepaliveTimeout", CLOUDFRONT_DEFAULT_KEEPALIVE_SECONDS) };
}

/** The ALB's idle timeout (NaN while unknown). */
function albIdleSeconds(lb: ResourceView): number {
    const v = read(() => propsOf<LoadBalancerProps>(lb).idleTimeout);
    return v === undefined || v === null ? ALB_DEFAULT_IDLE_SECONDS : v === UNKNOWN ? NaN : Number(v);
}

/**
 * CloudFront → ALB: CloudFront reuses its connection for `keepalive` s and waits `read` s for an
 * answer; the ALB closes a connection with no data for its idle timeout, on both sides. So the ALB
 * must wait at least as long as CloudFront does (else a slow payment gets the ALB's 504 while
 * CloudFront would still wait), and CloudFront must stop reusing a connection before the ALB
 * closes it (else it sends on a connection being closed: 502).
 */
function edgeHopFindings(j: Judgement, idle: { lb: ResourceView; seconds: number }[]): Finding[] {
    const out: Finding[] = [];
    for (const { dist, origin } of routedOrigins(j)) {
        const t = originTimeouts(origin);
        const where = `distribution ${dist.name} origin ${String(read(() => origin.originId))}`;
        for (const { lb, seconds } of idle) {
            if (t.read > seconds)
                out.push({
                    code: "alb-idle-below-read-timeout",
                    message: `${lb.name}: idle timeout ${seconds} s is shorter than the ${t.read} s ${where} waits for a response: a request the app answers after ${seconds} s gets a 504 from the ALB (ELB User Guide, "Connection idle timeout"; CloudFront Developer Guide, "Response timeout")`,
                    urn: lb.urn,
                });
            if (t.keepalive >= seconds)
                out.push({
                    code: "edge-keepalive-not-below-idle",
                    message: `${where} keeps idle connections ${t.keepalive} s, not less than the ALB's idle timeout (${seconds} s): CloudFront may send on a connection the ALB is closing (502)`,
                    urn: dist.urn,
                });
        }
    }
    return out;
}

/** Spring Boot Duration text (e.g. "75s", "75000" in milliseconds, "PT75S"), in seconds; -1 is "no timeout"; NaN otherwise. */
export function springDurationSeconds(text: string): number {
    const t = text.trim();
    if (t === "-1") return Infinity;
    const simple = /^(\d+)(ns|us|ms|s|m|h|d)?$/i.exec(t);
    if (simple) {
        const unit = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 }[(simple[2] ?? "ms").toLowerCase() as "ms"];
        return Number(simple[1]) * unit;
    }
    const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(t);
    if (iso && (iso[1] || iso[2] || iso[3])) return Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0);
    return NaN;
}

/**
 * A Spring Boot property of a container, as Spring Boot binds it from its environment variable
 * (relaxed binding: `server.tomcat.keep-alive-timeout` is SERVER_TOMCAT_KEEPALIVETIMEOUT,
 * `server.port` SERVER_PORT). Anything else that could set it makes it unreadable: a second entry,
 * a secret of that name, and any other variable or command-line argument that mentions it
 * (JAVA_TOOL_OPTIONS -D…, SPRING_APPLICATION_JSON, --server.…), which Spring Boot ranks above an
 * OS environment variable ("Externalized Configuration"). `key`: the property's name without
 * separators, lower case.
 */
export function springProperty(c: ContainerDefinition, variable: string, key: string): { value?: string; problem?: string } {
    const mentions = (s: unknown) =>
        typeof s === "string" &&
        s
            .replace(/[-_.\s]/g, "")
            .toLowerCase()
            .includes(key);
    const env = c.environment ?? [];
    const named = env.filter((e) => e.name === variable);
    const others = [
        ...env.filter((e) => e.name !== variable && (mentions(e.name) || mentions(e.value))).map((e) => `variable ${e.name}`),
        ...(c.secrets ?? []).filter((x) => mentions(x.name)).map((x) => `secret ${x.name}`),
        ...[...(c.command ?? []), ...(c.entryPoint ?? [])].filter(mentions).map((a) => `argument ${a}`),
    ];
    if (named.length > 1) return { problem: `${variable} is set ${named.length} times` };
    if (others.length > 0) return { problem: `${others.join(", ")} also mention(s) ${variable}'s property, which Spring Boot would rank above it` };
    if (named.length === 0) return { problem: `${variable} is not set` };
    return { value: String(named[0].value) };
}

/** The containers of the Spring task definitions that take traffic (a port mapping), parsed. */
function servingContainers(j: Judgement): { td: ResourceView; c: ContainerDefinition }[] {
    const out: { td: ResourceView; c: ContainerDefinition }[] = [];
    for (const td of ofType(j.views, TYPES.taskDefinition).filter((t) => parentTypeOf(t.urn) === COMPONENT_TYPES.fargateService)) {
        const json = read(() => propsOf<TaskDefinitionProps>(td).containerDefinitions);
        if (typeof json !== "string") continue;
        try {
            const containers = JSON.parse(json) as ContainerDefinition[];
            for (const c of containers.filter((x) => (x.portMappings ?? []).length > 0)) out.push({ td, c });
        } catch {
            continue; // task-definition-contained refuses what is not JSON
        }
    }
    return out;
}

/**
 * ALB → tasks: the application must keep an idle connection longer than the ALB does, or it closes
 * one the ALB is about to reuse and "the load balancer sends an HTTP 502 Bad Gateway error" (ELB
 * User Guide, "Connection idle timeout"). Read from the Spring task definitions' containers that
 * take traffic (a port mapping); the application is Spring Boot on its embedded Tomcat.
 */
function appHopFindings(j: Judgement, idleSeconds: number): Finding[] {
    const out: Finding[] = [];
    for (const { td, c } of servingContainers(j)) {
        const say = (code: string, m: string) => out.push({ code, message: `${td.name} container ${c.name}: ${m}`, urn: td.urn });
        const { value, problem } = springProperty(c, "SERVER_TOMCAT_KEEPALIVETIMEOUT", "keepalivetimeout");
        const seconds = value === undefined ? NaN : springDurationSeconds(value);
        if (problem) say("app-keepalive-unreadable", `${problem}: Tomcat's keep-alive cannot be read`);
        else if (Number.isNaN(seconds)) say("app-keepalive-unreadable", `SERVER_TOMCAT_KEEPALIVETIMEOUT=${value} is not a Spring Boot duration`);
        else if (!(seconds > idleSeconds))
            say(
                "app-keepalive-not-above-idle",
                `Tomcat keeps idle connections ${seconds} s, not longer than the ALB's idle timeout (${idleSeconds} s): it closes connections the ALB reuses, and those requests get a 502 (ELB User Guide, "Connection idle timeout")`,
            );
    }
    return out;
}

/**
 * Draining: a target leaving its group (rolling update, scale-in, replacement, a Beanstalk
 * deployment) finishes in-flight requests for the deregistration delay, then its connections are
 * closed (ELB User Guide, "Deregistration delay"). CloudFront waits for an answer up to its origin
 * response timeout: a delay shorter than that cuts requests CloudFront would still wait for.
 */
function drainingFindings(j: Judgement, readSeconds: number): Finding[] {
    const spring = ofType(j.views, TYPES.targetGroup)
        .filter((r) => parentTypeOf(r.urn) === COMPONENT_TYPES.fargateService)
        .map((r) => {
            const d = read(() => propsOf<TargetGroupProps>(r).deregistrationDelay);
            return {
                r,
                what: "deregistration delay",
                seconds: d === undefined || d === null ? ELB_DEFAULT_DEREGISTRATION_SECONDS : d === UNKNOWN ? NaN : numeric(d),
            };
        });
    const legacy = ofType(j.views, TYPES.beanstalkEnvironment).flatMap((r) =>
        beanstalkProcesses(r).map((p) => ({ r, what: `${p.namespace} DeregistrationDelay`, seconds: p.deregistrationDelaySeconds })),
    );
    return [...spring, ...legacy]
        .filter(({ seconds }) => seconds < readSeconds)
        .map(({ r, what, seconds }) => ({
            code: "draining-below-read-timeout",
            message: `${r.name}: ${what} ${seconds} s is shorter than CloudFront's origin response timeout (${readSeconds} s): a request still running when a target leaves is cut while CloudFront would still wait for it`,
            urn: r.urn,
        }));
}

export const connectionTimeoutsOrdered = stackPolicy<object>({
    name: "connection-timeouts-ordered",
    description:
        "Each hop closes its idle connections before the next one does, and waits for a request as long as the hop before it: CloudFront's origin keep-alive < the ALB's idle timeout < the application's keep-alive (Tomcat's, read from the Spring task definitions, and set in one place only); the ALB's idle timeout and every deregistration delay (Spring target groups, Beanstalk processes) at least CloudFront's origin response timeout.",
    severity: "high",
    remediationSteps:
        "Keep edge.originKeepaliveSeconds < alb.idleTimeoutSeconds (the program sets Tomcat's keep-alive 15 s above it: never set SERVER_TOMCAT_KEEPALIVETIMEOUT in spring.environment), alb.idleTimeoutSeconds ≥ edge.originReadTimeoutSeconds, and spring/legacy deregistrationDelaySeconds ≥ edge.originReadTimeoutSeconds.",
    check: (j) => {
        const idle = ofType(j.views, TYPES.loadBalancer).map((lb) => ({ lb, seconds: albIdleSeconds(lb) }));
        const known = idle.filter((i) => Number.isFinite(i.seconds));
        const reads = routedOrigins(j)
            .map(({ origin }) => originTimeouts(origin).read)
            .filter(Number.isFinite);
        return [
            ...edgeHopFindings(j, known),
            ...(known.length === 1 ? appHopFindings(j, known[0].seconds) : []),
            ...(reads.length > 0 ? drainingFindings(j, Math.max(...reads)) : []),
        ];
    },
});

// ---------------------------------------------------------------------------
// alb-origin-certificate

export interface OriginCertificateConfig {
    /** Each HTTPS listener certificate's ARN and the DNS names it covers (its subject alternative names), as ACM reports them. */
    certificates: Record<string, string[]>;
}

/** Whether a certificate name covers a host: equal, or a wildcard for exactly one leftmost label (RFC 6125 6.4.3). */
export function certificateCovers(name: string, host: string): boolean {
    const [n, h] = [name.toLowerCase().replace(/\.$/, ""), host.toLowerCase().replace(/\.$/, "")];
    if (n === h) return true;
    if (!n.startsWith("*.")) return false;
    const dot = h.indexOf(".");
    return dot > 0 && h.slice(dot + 1) === n.slice(2);
}

/** Whether a behavior's requests carry the viewer's Host to the origin: true, false, or undefined (a policy the pack cannot read). */
function forwardsHost(b: CacheBehavior, policies: ReadonlyMap<string, ResourceView>): boolean | undefined {
    const legacy = read(() => b.forwardedValues?.headers);
    if (Array.isArray(legacy) && legacy.some((h) => h === "*" || String(h).toLowerCase() === "host")) return true;
    const id = read(() => b.originRequestPolicyId);
    if (id === UNKNOWN) return undefined;
    if (!id) return false;
    if (id === ALL_VIEWER_POLICY_ID || id === ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID) return true;
    if (id === ALL_VIEWER_EXCEPT_HOST_POLICY_ID) return false;
    const own = policies.get(String(id));
    if (!own) return undefined;
    const h = read(() => propsOf<OriginRequestPolicyProps>(own).headersConfig);
    if (h === UNKNOWN) return undefined;
    // CloudFront API reference, OriginRequestPolicyHeadersConfig: none | whitelist | allViewer | allViewerAndWhitelistCloudFront | allExcept.
    const behavior = String(read(() => h?.headerBehavior) ?? "none");
    const items = read(() => h?.headers?.items);
    const listsHost = Array.isArray(items) && items.some((x) => String(x).toLowerCase() === "host");
    if (behavior === "allViewer" || behavior === "allViewerAndWhitelistCloudFront") return true;
    if (behavior === "allExcept") return !listsHost;
    if (behavior === "whitelist") return listsHost;
    return behavior === "none" ? false : undefined;
}

/**
 * The names CloudFront checks the ALB's certificate against: the origin's domain name, or, for a
 * behavior that forwards the Host header, the Host viewers send (the viewer distribution's
 * aliases; without one, its cloudfront.net name). CloudFront Developer Guide, "HTTP 502 status
 * code (Bad Gateway)": one of the certificate's names must match the origin domain name, or the
 * Host header if CloudFront forwards it; otherwise the handshake fails and every request is a 502.
 */
function checkedNames(j: Judgement): { dist: ResourceView; names: string[] }[] {
    const policies = new Map(ofType(j.views, TYPES.originRequestPolicy).map((p) => [String(read(() => propsOf<{ id?: string }>(p).id)), p]));
    const viewer = j.views.find(isViewerDistribution);
    const viewerHosts = (): string[] => {
        const aliases = viewer ? known(listAt(() => propsOf<DistributionProps>(viewer).aliases)).filter((a): a is string => typeof a === "string") : [];
        const own = viewer ? read(() => propsOf<DistributionProps>(viewer).domainName) : undefined;
        return aliases.length > 0 ? aliases : typeof own === "string" ? [own] : [];
    };
    const out: { dist: ResourceView; names: string[] }[] = [];
    for (const { dist, origin } of routedOrigins(j)) {
        const id = read(() => origin.originId);
        const domain = read(() => origin.domainName);
        const all = read(() => cacheBehaviors(propsOf<DistributionProps>(dist)));
        const behaviors = all === UNKNOWN ? [] : all.filter((b) => read(() => b.targetOriginId) === id);
        const names = new Set<string>();
        for (const b of behaviors) {
            const host = forwardsHost(b, policies);
            if (host !== true && typeof domain === "string") names.add(domain);
            if (host !== false) for (const h of viewerHosts()) names.add(h);
        }
        if (names.size > 0) out.push({ dist, names: [...names] });
    }
    return out;
}

/** The HTTPS listener CloudFront connects to (the traffic port), with its certificate. */
function trafficListeners(j: Judgement): { listener: ResourceView; arn: string }[] {
    const out: { listener: ResourceView; arn: string }[] = [];
    for (const listener of ofType(j.views, TYPES.listener).filter((l) => Number(read(() => propsOf<ListenerProps>(l).port)) === TRAFFIC_PORT)) {
        const arn = read(() => propsOf<ListenerProps>(listener).certificateArn);
        if (arn !== UNKNOWN) out.push({ listener, arn: typeof arn === "string" ? arn : "" });
    }
    return out;
}

export const albOriginCertificate = stackPolicy<OriginCertificateConfig>({
    name: "alb-origin-certificate",
    description:
        "The HTTPS listener's certificate is one the stack's policy config pins with the names it covers, and those names cover every name CloudFront checks it against: the routed origin's domain name, or the viewers' Host where a cache behavior forwards it (otherwise every request is a 502).",
    severity: "critical",
    remediationSteps:
        'Pin the listener certificate in policy-config.<stack>.json: { "alb-origin-certificate": { "certificates": { "<alb.certificateArn>": [<its names>] } } }, the names as `aws acm describe-certificate --region <region> --certificate-arn <arn> --query Certificate.SubjectAlternativeNames` prints them; request a certificate that covers edge.originDomain (and the viewer hostnames when a behavior forwards Host).',
    configSchema: {
        properties: {
            certificates: { type: "object", additionalProperties: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 }, default: {} },
        },
    },
    configProblems: (c) =>
        Object.keys(c.certificates ?? {}).length === 0
            ? [
                  'certificates is empty: pin the HTTPS listener\'s certificate ARN with the names it covers in policy-config.<stack>.json ({ "certificates": { "<arn>": ["origin.example.com"] } }); without it the pack cannot tell whether CloudFront accepts the ALB\'s certificate',
              ]
            : [],
    check: (j, config) => {
        const pinned = config.certificates ?? {};
        const out: Finding[] = [];
        const names = checkedNames(j);
        for (const { listener, arn } of trafficListeners(j)) {
            const covered = pinned[arn];
            if (!covered) {
                out.push({
                    code: "origin-certificate-unpinned",
                    message: `${listener.name}: certificate ${arn || "(none)"} is not pinned in the policy config (alb-origin-certificate.certificates): the pack cannot tell which names it covers`,
                    urn: listener.urn,
                });
                continue;
            }
            for (const { dist, names: wanted } of names)
                for (const host of wanted.filter((h) => !covered.some((n) => certificateCovers(n, h))))
                    out.push({
                        code: "origin-certificate-mismatch",
                        message: `${listener.name}: certificate ${arn} covers ${covered.join(", ")}, not ${host}, which distribution ${dist.name} checks it against: the TLS handshake fails and CloudFront answers 502`,
                        urn: listener.urn,
                    });
        }
        return out;
    },
});

export const networkPolicies = [tasksReachable, connectionTimeoutsOrdered, albOriginCertificate];
