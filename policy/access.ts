/**
 * Who can reach what: only the stack's CloudFront distributions reach the ALB (an internal ALB
 * through its VPC origin; an older internet-facing one through CloudFront's prefix list), only testers holding the token
 * use the QA routes, and the secret CloudFront sends rotates only in the documented order
 * (what CloudFront passes on is policy/edge.ts's). Header names are the ones the
 * program uses (the RoutedAlb records them; lib/position.ts), never a default of the pack's own.
 *
 * Values a preview may not know yet (ids, ARNs, generated secrets) are read one by one
 * (lib/resources.ts read/itemsOf): a check that needs one that is unknown waits for a preview
 * that knows it, and every other check still runs (a first preview is judged too).
 */
import {
    BEANSTALK_LISTENER_PORT,
    CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
    CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP,
    COMPONENT_TYPES,
    ORIGIN_VERIFY_PASSWORDS,
    RoutedAlbOutputs,
    TRAFFIC_PORT,
} from "../lib/contract";
import { Position, RuleRead, sameHeader } from "../lib/position";
import {
    BeanstalkEnvironmentProps,
    DistributionProps,
    EcsServiceProps,
    IdProps,
    IngressRuleProps,
    ListenerProps,
    LoadBalancerProps,
    ManagedPrefixListEntryProps,
    ManagedPrefixListProps,
    RandomPasswordProps,
    ResourceView,
    SLOTS,
    SecurityGroupProps,
    TYPES,
    UNKNOWN,
    Unknown,
    VpcOriginProps,
    isUnknown,
    itemsOf,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { PRIVATE_RANGES, isPrivateCidr } from "./cidr";
import { Finding, Judgement, dependenciesOf, rulesOf, stackPolicy } from "./judge";

type Headers = NonNullable<Position["headers"]>;

/** The values a rule's conditions accept for a header (every condition on it), or undefined when none names it. */
function headerValues(rule: RuleRead, name: string): (string | Unknown)[] | undefined {
    const conditions = rule.conditions.filter((c) => sameHeader(c.httpHeader?.httpHeaderName, name));
    return conditions.length === 0 ? undefined : conditions.flatMap((c) => itemsOf(c.httpHeader?.values));
}

/** ALB header condition values are patterns: `*` and `?` are wildcards. A secret must be matched literally. */
const hasWildcard = (value: string | Unknown) => value !== UNKNOWN && (typeof value !== "string" || /[*?]/.test(value));

/** The header names the rules use, or the finding that the policy cannot judge without them. */
function headersOrRefuse(j: Judgement, what: string): Headers | Finding {
    return (
        j.proposed.headers ?? {
            code: "headers-unknown",
            message: `cannot judge ${what}, so it is refused: the RoutedAlb records no header names (headers output)`,
        }
    );
}
const isFinding = (x: Headers | Finding): x is Finding => "code" in x;

/** The values generated secrets (random passwords) of this stack hold; unknown ones are skipped. */
function generatedSecrets(views: readonly ResourceView[]): Set<string> {
    const values = ofType(views, TYPES.randomPassword).map((r) => read(() => propsOf<RandomPasswordProps>(r).result));
    return new Set(values.filter((v): v is string => typeof v === "string"));
}

/** A resource's id, undefined while a preview does not know it (or it is not set). */
function idOf(r: ResourceView): string | undefined {
    const id = read(() => propsOf<IdProps>(r).id);
    return typeof id === "string" ? id : undefined;
}

/** The origins of every distribution, each with the custom header of `name` it adds (if any). */
function originHeaders(views: readonly ResourceView[], name: string) {
    return ofType(views, TYPES.distribution).flatMap((dist) =>
        (propsOf<DistributionProps>(dist).origins ?? []).map((origin) => ({
            dist,
            origin,
            header: (origin.customHeaders ?? []).find((h) => sameHeader(h.name, name)),
        })),
    );
}

// ---------------------------------------------------------------------------
// qa-routes-protected

/** CloudFront adding the route or token header itself would hand every viewer a tester's pass. */
function edgeAddsQaHeaders(j: Judgement, headers: Headers): Finding[] {
    return [...originHeaders(j.views, headers.route), ...originHeaders(j.views, headers.token)]
        .filter(({ header }) => header !== undefined)
        .map(({ dist, origin, header }) => ({
            code: "qa-header-at-edge",
            message: `distribution ${dist.name} origin ${origin.originId} adds the ${header?.name} header itself: every viewer would reach the QA routes without knowing the token`,
            urn: dist.urn,
        }));
}

function qaRuleFindings(rule: RuleRead, headers: Headers, secrets: ReadonlySet<string>): Finding[] {
    const out: Finding[] = [];
    const say = (code: string, m: string) => out.push({ code, message: `QA rule ${rule.name} ${m}`, urn: rule.view.urn });
    const tokens = headerValues(rule, headers.token);
    if (!tokens) say("qa-token-missing", `does not require the ${headers.token} token header: anyone could pick a target`);
    else if (tokens.length !== 1) say("qa-token-count", `must accept exactly one ${headers.token} value, not ${tokens.length}`);
    if (!headerValues(rule, headers.originVerify)) say("qa-origin-verify-missing", `does not require the ${headers.originVerify} header`);
    for (const value of headerValues(rule, headers.route) ?? []) {
        if (hasWildcard(value))
            say("qa-route-wildcard", `matches ${headers.route} with the pattern ${JSON.stringify(value)}: a target name is matched literally`);
    }
    for (const value of tokens ?? []) {
        if (hasWildcard(value))
            say("qa-token-wildcard", `accepts a ${headers.token} value with a wildcard (* or ?): the token must be matched literally and alone`);
        else if (value !== UNKNOWN && secrets.size > 0 && !secrets.has(value))
            say("qa-token-not-generated", `accepts a ${headers.token} value that is not a secret this stack generated`);
    }
    return out;
}

export const qaRoutesProtected = stackPolicy<object>({
    name: "qa-routes-protected",
    description:
        "Every rule that routes on the routing header also requires the origin-verify header and the QA token header with exactly one literal value, a secret generated by this stack (no wildcard, nothing else), so the public cannot pick an implementation. Testers' addresses are checked at CloudFront, never by an ALB source-IP condition.",
    severity: "critical",
    remediationSteps: "Keep the token and origin-verify header conditions on every QA rule (lib/rules.ts adds both); never add a value next to the token.",
    check: (j) => {
        const headers = headersOrRefuse(j, "the QA routes");
        if (isFinding(headers)) return [headers];
        const secrets = generatedSecrets(j.views);
        const qa = rulesOf(j).filter((r) => r.role === "qa" || headerValues(r, headers.route) !== undefined);
        return [...edgeAddsQaHeaders(j, headers), ...qa.flatMap((rule) => qaRuleFindings(rule, headers, secrets))];
    },
});

// ---------------------------------------------------------------------------
// origin-locked

export interface OriginLockedConfig {
    /**
     * CloudFront origin-facing prefix list ids of the stack's region. CloudFront's list is the one the
     * program resolved by its AWS-owned name (RoutedAlb output `cloudFrontPrefixList`); a non-empty
     * list here only narrows that (it must also be listed), never adds to it.
     */
    prefixListIds: string[];
    /**
     * CloudFront VPC-origin security group ids: narrows the group the program resolved (RoutedAlb
     * output `cloudFrontVpcOrigin`) the same way, and names the one group it may change to.
     */
    vpcOriginSecurityGroupIds: string[];
}

/** An ingress rule: a security group's inline one, or a standalone one (aws.vpc or aws.ec2). */
type Ingress = NonNullable<SecurityGroupProps["ingress"]>[number] & IngressRuleProps;

/** Ingress that is not a prefix list: CIDRs, security groups or self. */
function openIngress(rule: Ingress): string | undefined {
    for (const key of ["cidrBlocks", "ipv6CidrBlocks", "securityGroups"] as const) {
        const values = rule[key];
        if (Array.isArray(values) && values.length > 0) return `${key} ${itemsOf(values).map(String).join(", ")}`;
    }
    for (const key of ["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "sourceSecurityGroupId"] as const) {
        if (rule[key]) return `${key} ${String(read(() => rule[key]))}`;
    }
    return rule.self ? "self" : undefined;
}

/** Ingress from anything but security groups: CIDRs, prefix lists or self. */
function nonGroupIngress(rule: Ingress): string | undefined {
    for (const key of ["cidrBlocks", "ipv6CidrBlocks", "prefixListIds"] as const) {
        const values = rule[key];
        if (Array.isArray(values) && values.length > 0) return `${key} ${itemsOf(values).map(String).join(", ")}`;
    }
    for (const key of ["cidrIpv4", "cidrIpv6", "prefixListId"] as const) {
        if (rule[key]) return `${key} ${String(read(() => rule[key]))}`;
    }
    return rule.self ? "self" : undefined;
}

/** The security groups an ingress rule admits, inline (`securityGroups`) or standalone; an unknown id stays UNKNOWN. */
function ingressGroups(rule: Ingress): (string | Unknown)[] {
    const single = [read(() => rule.referencedSecurityGroupId), read(() => rule.sourceSecurityGroupId)].filter((g) => g !== undefined && g !== "");
    return [...itemsOf(rule.securityGroups), ...single].map((g): string | Unknown => (g === UNKNOWN ? UNKNOWN : String(g)));
}

/** TCP on the HTTPS listener's port only: port 80 holds Beanstalk's rules, which have no origin-verify condition. */
function portProblem(rule: Ingress): string | undefined {
    const protocol = String(read(() => rule.protocol ?? rule.ipProtocol) ?? "");
    if (protocol !== "tcp" && protocol !== "6") return `protocol ${protocol || "(none)"} (only tcp)`;
    const [from, to] = [read(() => rule.fromPort), read(() => rule.toPort)];
    if (Number(from) !== TRAFFIC_PORT || Number(to) !== TRAFFIC_PORT) return `ports ${String(from)}–${String(to)} (only ${TRAFFIC_PORT})`;
    return undefined;
}

/** A standalone ingress rule: a vpc SecurityGroupIngressRule, or an ec2 SecurityGroupRule of type ingress. */
function isIngressRule(r: ResourceView): boolean {
    return r.type === TYPES.securityGroupIngressRule || (r.type === TYPES.securityGroupRule && propsOf<IngressRuleProps>(r).type === "ingress");
}

/** The one listener setting the program gives Beanstalk: its default rule on the port-80 redirect listener. */
const BEANSTALK_LISTENER_NAMESPACE = `aws:elbv2:listener:${BEANSTALK_LISTENER_PORT}`;

type Setting = NonNullable<BeanstalkEnvironmentProps["settings"]>[number];

/** Why a Beanstalk setting would write onto the ALB's listeners beyond that one default rule, or undefined. */
function beanstalkListenerProblem(setting: Setting): string | undefined {
    const namespace = String(setting?.namespace ?? "");
    const lower = namespace.toLowerCase();
    if (lower.startsWith("aws:elbv2:listenerrule"))
        return `declares listener rule ${namespace}: Beanstalk would write rules of its own (no origin-verify condition) onto the shared ALB`;
    if (!lower.startsWith("aws:elbv2:listener")) return undefined;
    if (namespace !== BEANSTALK_LISTENER_NAMESPACE)
        return `configures ${namespace}: Beanstalk may only use ${BEANSTALK_LISTENER_NAMESPACE}, the redirect listener no security group opens`;
    const value = read(() => setting.value);
    if (setting?.name !== "Rules" || value !== "default")
        return `sets ${namespace} ${setting?.name}=${String(value)}: only Rules=default (Beanstalk's own default rule) is allowed there`;
    return undefined;
}

/** The CloudFront prefix list ids the program resolved (RoutedAlb outputs), or why there are none to trust. */
function resolvedCloudFrontLists(views: readonly ResourceView[]): { ids: string[]; problem?: string } {
    const ids: string[] = [];
    for (const alb of ofType(views, COMPONENT_TYPES.routedAlb)) {
        const list = propsOf<RoutedAlbOutputs>(alb).cloudFrontPrefixList;
        if (list?.name !== CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST || typeof list.id !== "string") {
            return { ids: [], problem: `RoutedAlb ${alb.name} records no prefix list resolved by the name ${CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST}` };
        }
        ids.push(list.id);
    }
    return ids.length > 0 ? { ids } : { ids, problem: "no RoutedAlb records the CloudFront prefix list it resolved" };
}

/** CloudFront's VPC-origin security group ids the program resolved (RoutedAlb outputs), or why there are none to trust. */
function resolvedVpcOriginGroups(views: readonly ResourceView[]): { ids: string[]; pending?: boolean; problem?: string } {
    const ids: string[] = [];
    let pending = false;
    for (const alb of ofType(views, COMPONENT_TYPES.routedAlb)) {
        const group = () => propsOf<RoutedAlbOutputs>(alb).cloudFrontVpcOrigin?.securityGroup;
        const [id, name] = [read(() => group()?.id), read(() => group()?.name)];
        // Looked up after the VPC origin is created (CloudFront creates the group then): unknown in the preview that creates it.
        if (id === UNKNOWN || name === UNKNOWN) pending = true;
        else if (name !== CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP || typeof id !== "string")
            return { ids: [], problem: `RoutedAlb ${alb.name} records no security group resolved by the name ${CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP}` };
        else ids.push(id);
    }
    if (ids.length > 0 || pending) return { ids, pending };
    return { ids, problem: `no RoutedAlb records the ${CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP} group it resolved` };
}

/** An internal ALB is reached only through a VPC origin; an unreadable flag counts as internal (the stricter reading). */
const isInternal = (alb: ResourceView) => read(() => propsOf<LoadBalancerProps>(alb).internal) !== false;

/** Every forwarding rule requires the origin-verify header; listeners default to a fixed response. */
function ruleAndListenerFindings(j: Judgement, header: string): Finding[] {
    const out: Finding[] = [];
    for (const rule of rulesOf(j).filter((r) => r.targets)) {
        const values = headerValues(rule, header);
        if (!values || values.length === 0)
            out.push({
                code: "rule-without-origin-verify",
                message: `rule ${rule.name} forwards without requiring ${header}: anyone reaching the ALB could use it`,
                urn: rule.view.urn,
            });
    }
    for (const listener of ofType(j.views, TYPES.listener)) {
        const types = (propsOf<ListenerProps>(listener).defaultActions ?? []).map((a) => a?.type);
        if (types.length === 0 || types.some((t) => t !== "fixed-response" && t !== "redirect"))
            out.push({
                code: "listener-default-forwards",
                message: `listener ${listener.name} default action is ${types.join(", ") || "missing"}; it must be a fixed response (or an HTTPS redirect)`,
                urn: listener.urn,
            });
    }
    return out;
}

/** The origins that reach the routed ALB: every origin but the cut-in's old one (a Beanstalk CNAME, which never had the header). */
function routedOrigins(j: Judgement, header: string) {
    const oldOrigin = j.proposed.edge.oldOrigin;
    return originHeaders(j.views, header).filter(
        ({ origin }) =>
            !(
                oldOrigin &&
                sameHeader(
                    read(() => origin.domainName),
                    oldOrigin,
                )
            ),
    );
}

/**
 * Every routed origin adds the origin-verify header; with an internal ALB it reaches it through a
 * VPC origin of this stack's own (a domain name would go over the internet: nowhere, or somewhere else).
 */
function originFindings(j: Judgement, header: string): Finding[] {
    const internal = ofType(j.views, TYPES.loadBalancer).some(isInternal);
    const declared = new Set(ofType(j.views, TYPES.vpcOrigin).map(idOf));
    const out: Finding[] = [];
    for (const { dist, origin, header: h } of routedOrigins(j, header)) {
        const say = (code: string, m: string) => out.push({ code, message: `distribution ${dist.name} origin ${origin.originId} ${m}`, urn: dist.urn });
        if (!h || !Object.keys(h).includes("value")) say("origin-without-verify", `does not add ${header}: the ALB would reject all traffic`);
        const vpc = read(() => origin.vpcOriginConfig);
        if (vpc === UNKNOWN) continue;
        if (internal && !vpc)
            say("origin-not-vpc", `reaches ${String(read(() => origin.domainName))} over the internet, but the ALB is internal: use its VPC origin`);
        const owner = read(() => vpc?.ownerAccountId);
        if (owner) say("origin-foreign-vpc", `uses a VPC origin of account ${String(owner)}: only this stack's VPC origin reaches the ALB`);
        const id = read(() => vpc?.vpcOriginId);
        if (vpc && id !== UNKNOWN && !declared.has(String(id)))
            say("origin-vpc-undeclared", `uses VPC origin ${String(id)}, which this stack does not declare`);
    }
    return out;
}

/** Each VPC origin connects with HTTPS only, TLS 1.2, on the HTTPS listener's port, to this stack's ALB. */
function vpcOriginFindings(j: Judgement): Finding[] {
    const albArns = new Set(ofType(j.views, TYPES.loadBalancer).map((a) => read(() => propsOf<LoadBalancerProps>(a).arn)));
    const out: Finding[] = [];
    for (const vo of ofType(j.views, TYPES.vpcOrigin)) {
        const say = (code: string, m: string) => out.push({ code, message: `VPC origin ${vo.name} ${m}`, urn: vo.urn });
        const c = propsOf<VpcOriginProps>(vo).vpcOriginEndpointConfig ?? {};
        const policy = read(() => c.originProtocolPolicy);
        if (policy !== "https-only") say("vpc-origin-protocol", `uses ${String(policy)}: only https-only keeps the origin-verify header encrypted`);
        const protocols = itemsOf(c.originSslProtocols?.items);
        const weak = protocols.filter((p) => p !== "TLSv1.2");
        if (weak.length > 0 || protocols.length === 0)
            say("vpc-origin-protocol", `allows ${weak.map(String).join(", ") || "no listed protocol"}: TLS 1.2 only`);
        const port = read(() => c.httpsPort);
        if (port !== UNKNOWN && Number(port) !== TRAFFIC_PORT)
            say("vpc-origin-protocol", `connects to port ${String(port)}, not the HTTPS listener's ${TRAFFIC_PORT}`);
        const target = read(() => c.arn);
        if (target !== UNKNOWN && !albArns.has(target)) say("vpc-origin-target", `leads to ${String(target)}, not this stack's ALB`);
    }
    return out;
}

/** Beanstalk is told to use the ALB's groups (else it attaches a group of its own) and writes no listener rule. */
function beanstalkFindings(j: Judgement, albGroups: ReadonlySet<string>): Finding[] {
    const out: Finding[] = [];
    for (const env of ofType(j.views, TYPES.beanstalkEnvironment)) {
        const say = (code: string, m: string) => out.push({ code, message: `Beanstalk environment ${env.name} ${m}`, urn: env.urn });
        const settings = propsOf<BeanstalkEnvironmentProps>(env).settings ?? [];
        const groups = settings.filter((s) => s?.namespace === "aws:elbv2:loadbalancer" && s?.name === "SecurityGroups");
        if (groups.length !== 1)
            say(
                "beanstalk-security-groups",
                "does not set aws:elbv2:loadbalancer SecurityGroups once: Beanstalk would attach a security group of its own to the ALB",
            );
        for (const s of groups) {
            const value = read(() => s.value);
            if (value === UNKNOWN) continue;
            const named = String(value)
                .split(",")
                .map((v) => v.trim());
            if (!named.every((id) => albGroups.has(id))) say("beanstalk-group-foreign", `names security groups ${String(value)}, not the ALB's own`);
        }
        for (const s of settings) {
            const problem = beanstalkListenerProblem(s);
            if (problem) say("beanstalk-listener", problem);
        }
    }
    return out;
}

/**
 * The ALB's security groups: the ids it names that the stack declares; a group created in this
 * update has no id yet, so an unknown id stands for the stack's groups the ALB depends on whose
 * ids are still unknown. An id the stack does not declare is refused: the pack cannot see it.
 */
function albGroupsOf(j: Judgement): { groups: ResourceView[]; ids: Set<string>; internal: Set<string>; findings: Finding[] } {
    const declared = ofType(j.views, TYPES.securityGroup);
    const byId = new Map(declared.flatMap((g) => (idOf(g) ? [[idOf(g)!, g] as const] : [])));
    const pending = new Set(declared.filter((g) => idOf(g) === undefined).map((g) => g.urn));
    const dependencies = dependenciesOf(j);
    const groups = new Map<string, ResourceView>();
    // The groups of an internal ALB (a group shared with an internet-facing one is judged as internal: the stricter rule).
    const internal = new Set<string>();
    const findings: Finding[] = [];
    for (const alb of ofType(j.views, TYPES.loadBalancer)) {
        const add = (g: ResourceView) => {
            groups.set(g.urn, g);
            if (isInternal(alb)) internal.add(g.urn);
        };
        for (const id of itemsOf(propsOf<LoadBalancerProps>(alb).securityGroups)) {
            const known = id === UNKNOWN ? undefined : byId.get(id);
            if (known) add(known);
            else if (id === UNKNOWN && [...(dependencies.get(alb.urn) ?? [])].some((u) => pending.has(u)))
                declared.filter((g) => pending.has(g.urn) && dependencies.get(alb.urn)?.has(g.urn)).forEach(add);
            else
                findings.push({
                    code: "alb-group-undeclared",
                    message: `ALB ${alb.name} uses security group ${id === UNKNOWN ? "(not known yet)" : id}, which this stack does not declare: the pack cannot see what it admits`,
                    urn: alb.urn,
                });
        }
    }
    const ids = new Set([...groups.values()].map(idOf).filter((id): id is string => id !== undefined));
    return { groups: [...groups.values()], ids, internal, findings };
}

/** What the program resolved, kept only where the policy config's allow-list (when it has one) names it too. */
function narrowed<R extends { ids: string[]; problem?: string }>(resolved: R, allowList: readonly string[]): R {
    return allowList.length === 0 ? resolved : { ...resolved, ids: resolved.ids.filter((id) => allowList.includes(id)) };
}

/**
 * Why an ingress rule of an ALB's security group admits more than CloudFront, or undefined: an
 * internal ALB admits only CloudFront's VPC-origin security group, an internet-facing one only
 * CloudFront's origin-facing prefix list; both on TCP 443 only.
 */
type IngressJudge = (rule: Ingress, internal: boolean) => string | undefined;

function ingressJudge(j: Judgement, config: OriginLockedConfig): IngressJudge {
    const own = new Set(ofType(j.views, TYPES.managedPrefixList).map(idOf));
    // CloudFront's list and group: the ones the program resolved by name, narrowed by the policy config's allow-list.
    const lists = narrowed(resolvedCloudFrontLists(j.views), config.prefixListIds);
    const groups = narrowed(resolvedVpcOriginGroups(j.views), config.vpcOriginSecurityGroupIds);
    const listProblem = (rule: Ingress) => {
        const named = [read(() => rule.prefixListId), ...itemsOf(rule.prefixListIds)].filter((l) => l !== undefined && l !== "").map(String);
        if (named.length === 0) return "an ingress rule without a source";
        const mine = named.filter((l) => own.has(l));
        if (mine.length > 0) return `prefix list ${mine.join(", ")}, which this stack declares itself (only CloudFront's AWS-managed list may reach the ALB)`;
        const foreign = named.filter((l) => !lists.ids.includes(l));
        if (foreign.length > 0 && lists.problem)
            return `prefix list ${foreign.join(", ")}, and the pack cannot tell CloudFront's (${lists.problem}), so it is refused`;
        if (foreign.length > 0)
            return `prefix list ${foreign.join(", ")}, not CloudFront's (${lists.ids.join(", ")}): a customer-managed list may hold any address`;
        return undefined;
    };
    const groupProblem = (rule: Ingress) => {
        const other = nonGroupIngress(rule);
        if (other) return `${other}; only CloudFront's VPC-origin security group may reach an internal ALB`;
        const named = ingressGroups(rule);
        if (named.length === 0) return "an ingress rule without a source";
        // An unknown source is CloudFront's group only while that group's lookup is unknown too (the
        // preview that creates the VPC origin, after which CloudFront creates the group); judged once known.
        const foreign = named.filter((g) => (g === UNKNOWN ? !groups.pending : !groups.ids.includes(g))).map((g) => (g === UNKNOWN ? "(not known yet)" : g));
        if (foreign.length > 0 && groups.problem)
            return `security group ${foreign.join(", ")}, and the pack cannot tell CloudFront's (${groups.problem}), so it is refused`;
        if (foreign.length > 0) return `security group ${foreign.join(", ")}, not CloudFront's VPC-origin group (${groups.ids.join(", ")})`;
        return undefined;
    };
    const openProblem = (rule: Ingress) => {
        const open = openIngress(rule);
        return open && `${open}; only the CloudFront prefix list may reach the ALB`;
    };
    return (rule, internal) => (internal ? groupProblem(rule) : (openProblem(rule) ?? listProblem(rule))) ?? portProblem(rule);
}

/**
 * Only CloudFront reaches the ALB's groups, inline or through a standalone rule. A standalone
 * rule whose group has no id yet (created in this update) is judged as a rule of the ALB's
 * group it depends on.
 */
function albIngressFindings(j: Judgement, config: OriginLockedConfig, alb: ReturnType<typeof albGroupsOf>): Finding[] {
    const judge = ingressJudge(j, config);
    const out: Finding[] = [];
    // Whether some rule admits CloudFront (and only CloudFront): without one the ALB answers nobody.
    let admitted = false;
    for (const sg of alb.groups) {
        for (const rule of propsOf<SecurityGroupProps>(sg).ingress ?? []) {
            const problem = judge(rule, alb.internal.has(sg.urn));
            if (problem) out.push({ code: "alb-ingress", message: `ALB security group ${sg.name} admits ${problem}`, urn: sg.urn });
            else admitted = true;
        }
    }
    const byId = new Map(alb.groups.flatMap((g) => (idOf(g) ? [[idOf(g)!, g] as const] : [])));
    const dependencies = dependenciesOf(j);
    for (const r of j.views.filter(isIngressRule)) {
        const id = read(() => propsOf<IngressRuleProps>(r).securityGroupId);
        const group = id === UNKNOWN ? alb.groups.find((g) => idOf(g) === undefined && dependencies.get(r.urn)?.has(g.urn)) : byId.get(String(id));
        if (!group) continue;
        const problem = judge(propsOf<IngressRuleProps>(r), alb.internal.has(group.urn));
        if (problem) out.push({ code: "alb-ingress", message: `ingress rule ${r.name} opens the ALB security group to ${problem}`, urn: r.urn });
        else admitted = true;
    }
    // A security group denies what no rule allows (VPC User Guide, "Security group rules"): the ALB, and every payment, is then unreachable.
    // No group at all is no exception: AWS then gives the ALB the VPC's default group, which admits only itself.
    if (ofType(j.views, TYPES.loadBalancer).length > 0 && !admitted)
        out.push({
            code: "alb-unreachable",
            message: `no ingress rule of the ALB's security groups (${alb.groups.map((g) => g.name).join(", ") || "none declared"}) admits CloudFront on 443: every request would time out at the origin`,
            urn: (alb.groups[0] ?? ofType(j.views, TYPES.loadBalancer)[0]).urn,
        });
    return out;
}

/** Every forwarding rule accepts only literal generated secrets, among them the one CloudFront sends. */
function secretFindings(j: Judgement, header: string): Finding[] {
    const secrets = generatedSecrets(j.views);
    const sent = new Set(
        originHeaders(j.views, header)
            .map(({ header: h }) => (h ? read(() => h.value) : undefined))
            .filter((v): v is string => typeof v === "string"),
    );
    const out: Finding[] = [];
    for (const rule of rulesOf(j).filter((r) => r.targets)) {
        const accepted = headerValues(rule, header) ?? [];
        const known = accepted.filter((v): v is string => v !== UNKNOWN);
        const say = (code: string, m: string) => out.push({ code, message: `rule ${rule.name} ${m}`, urn: rule.view.urn });
        if (accepted.some(hasWildcard))
            say("origin-verify-wildcard", `accepts a ${header} value with a wildcard (* or ?): the secret must be matched literally and alone`);
        else if (secrets.size > 0 && known.some((v) => !secrets.has(v)))
            say("origin-verify-not-generated", `accepts a ${header} value that is not a secret this stack generated`);
        if (sent.size > 0 && known.length > 0 && known.length === accepted.length && !known.some((v) => sent.has(v)))
            say("origin-verify-not-accepted", `does not accept the ${header} value CloudFront sends: every request it should serve gets the listener's 403`);
    }
    return out;
}

/** A new stack gets an internal ALB: the internet-facing one is kept only for stacks deployed before VPC origins. */
function newStackFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "new") return [];
    return ofType(j.views, TYPES.loadBalancer)
        .filter((alb) => !isInternal(alb))
        .map((alb) => ({
            code: "alb-internet-facing",
            message: `ALB ${alb.name} is internet-facing on a new stack: set alb.internal: true (the default), so that CloudFront reaches it through a VPC origin and nothing on the internet reaches it`,
            urn: alb.urn,
        }));
}

/**
 * CloudFront's prefix list and VPC-origin group belong to AWS: on a deployed stack, what the
 * program resolves by their names does not change while the VPC origin stays. A program that
 * records another group under CloudFront's name (and admits it) is refused; if CloudFront did
 * replace its group (every VPC origin of the VPC deleted and recreated), the policy config names
 * the new one, in a reviewed change.
 */
function cloudFrontSourceFindings(j: Judgement, config: OriginLockedConfig): Finding[] {
    if (j.deployed.kind !== "state") return [];
    const before = j.deployed.position.cloudFront;
    const after = j.proposed.cloudFront;
    const changed = (was: string | null, now: string | null, allowList: readonly string[]) => !!was && !!now && was !== now && !allowList.includes(now);
    const out: Finding[] = [];
    if (changed(before.vpcOriginGroup, after.vpcOriginGroup, config.vpcOriginSecurityGroupIds))
        out.push({
            code: "cloudfront-source-changed",
            message: `CloudFront's VPC-origin security group would change from ${before.vpcOriginGroup} to ${after.vpcOriginGroup}: AWS owns it and keeps it while the VPC origin stays; if CloudFront did replace it, name it in origin-locked.vpcOriginSecurityGroupIds (a reviewed change)`,
        });
    if (changed(before.prefixList, after.prefixList, config.prefixListIds))
        out.push({
            code: "cloudfront-source-changed",
            message: `CloudFront's origin-facing prefix list would change from ${before.prefixList} to ${after.prefixList}: AWS owns one per region; name it in origin-locked.prefixListIds if that is right (a reviewed change)`,
        });
    return out;
}

export const originLocked = stackPolicy<OriginLockedConfig>({
    name: "origin-locked",
    description:
        "Only this stack's CloudFront distributions reach the ALB: an internal ALB (every new stack's) admits only CloudFront's VPC-origin security group on TCP 443 and is reached through a VPC origin of this stack (HTTPS only, TLS 1.2, port 443) that leads to it; an internet-facing ALB (a stack deployed before VPC origins) admits only the CloudFront origin-facing prefix list the program resolved (or the policy config names), on TCP 443. Its security groups are declared in this stack, Beanstalk is told to use them and writes no rule but its default on the port-80 listener, every forwarding rule requires the origin-verify header with literal generated secrets that include the one CloudFront sends, and listeners default to a fixed response.",
    severity: "critical",
    remediationSteps:
        "Keep alb.internal: true (its one ingress rule admits CloudFront's VPC-origin group, its distributions use its VPC origin); on an internet-facing ALB keep the CloudFront prefix list the only ingress. Keep the origin-verify header on every rule and in the distributions' origins, Beanstalk's aws:elbv2:loadbalancer SecurityGroups naming the ALB group, and listener defaults fixed-response or redirect.",
    configSchema: {
        properties: {
            prefixListIds: { type: "array", items: { type: "string", pattern: "^pl-[0-9a-f]+$" }, default: [] },
            vpcOriginSecurityGroupIds: { type: "array", items: { type: "string", pattern: "^sg-[0-9a-f]+$" }, default: [] },
        },
    },
    check: (j, config) => {
        if (ofType(j.views, TYPES.loadBalancer).length === 0) return [];
        const headers = headersOrRefuse(j, "the origin lock");
        if (isFinding(headers)) return [headers];
        const header = headers.originVerify;
        const alb = albGroupsOf(j);
        return [
            ...ruleAndListenerFindings(j, header),
            ...originFindings(j, header),
            ...vpcOriginFindings(j),
            ...beanstalkFindings(j, alb.ids),
            ...alb.findings,
            ...albIngressFindings(j, config, alb),
            ...secretFindings(j, header),
        ];
    },
    forward: (j, config) => [...newStackFindings(j), ...cloudFrontSourceFindings(j, config)],
});

// ---------------------------------------------------------------------------
// no-open-ingress

const PRIVATE_SPACE = PRIVATE_RANGES.join(", ");

/** The CIDRs a resource admits that lie outside private space (judged by the addresses covered: 0.0.0.0/1 + 128.0.0.0/1 is the internet). */
function publicCidrs(r: ResourceView): string[] {
    const open = (...values: unknown[]) =>
        values
            .flatMap((v) => (Array.isArray(v) ? itemsOf(v) : [read(() => v)]))
            .filter((v) => v !== undefined && v !== null && v !== UNKNOWN && !isPrivateCidr(v))
            .map(String);
    if (r.type === TYPES.securityGroup)
        return (propsOf<SecurityGroupProps>(r).ingress ?? []).flatMap((rule) => open(rule.cidrBlocks ?? [], rule.ipv6CidrBlocks ?? []));
    if (isIngressRule(r)) {
        const p = propsOf<IngressRuleProps>(r);
        return open(p.cidrBlocks ?? [], p.ipv6CidrBlocks ?? [], p.cidrIpv4, p.cidrIpv6);
    }
    if (r.type === TYPES.managedPrefixList) return (propsOf<ManagedPrefixListProps>(r).entries ?? []).flatMap((e) => open(e.cidr));
    if (r.type === TYPES.managedPrefixListEntry) return open(propsOf<ManagedPrefixListEntryProps>(r).cidr);
    return [];
}

/** ECS services use only the stack's own security groups (a group created in this update: one the service depends on). */
function serviceGroupFindings(j: Judgement): Finding[] {
    const groups = ofType(j.views, TYPES.securityGroup);
    const known = new Set(groups.map(idOf).filter((id): id is string => id !== undefined));
    const pending = new Set(groups.filter((g) => idOf(g) === undefined).map((g) => g.urn));
    const dependencies = dependenciesOf(j);
    const out: Finding[] = [];
    for (const service of ofType(j.views, TYPES.ecsService)) {
        const say = (code: string, m: string) => out.push({ code, message: `ECS service ${service.name} ${m}`, urn: service.urn });
        const network = propsOf<EcsServiceProps>(service).networkConfiguration;
        if (isUnknown(() => network?.securityGroups?.length)) {
            say("service-group-unreadable", "has security groups the pack cannot read yet, so it is refused");
            continue;
        }
        const ids = itemsOf(network?.securityGroups);
        if (ids.length === 0) {
            say("service-group-none", "names no security group: ECS would use the VPC's default group, which this stack does not declare");
            continue;
        }
        const dependsOnPending = [...(dependencies.get(service.urn) ?? [])].some((u) => pending.has(u));
        for (const id of ids) {
            if (id === UNKNOWN) {
                if (!dependsOnPending)
                    say("service-group-undeclared", "uses a security group whose id is not known and that is not one of this stack's, so it is refused");
            } else if (!known.has(String(id))) {
                say("service-group-undeclared", `uses security group ${String(id)}, which this stack does not declare: the pack cannot see what it admits`);
            }
        }
    }
    return out;
}

export const noOpenIngress = stackPolicy<object>({
    name: "no-open-ingress",
    description:
        "Every CIDR a security group, standalone ingress rule or prefix list of this stack admits lies inside private address space (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), however it is spelled, and ECS services use only security groups this stack declares: the Spring tasks are reached only from the ALB, the ALB only from CloudFront (its VPC-origin security group, or on an older internet-facing ALB its prefix list: origin-locked).",
    severity: "critical",
    remediationSteps:
        "Admit the ALB's security group (tasks) or CloudFront's VPC-origin security group (internal ALB), never a public CIDR; give ECS services the stack's own security groups.",
    check: (j) => [
        ...j.views.flatMap((r): Finding[] => {
            const found = [...new Set(publicCidrs(r))];
            return found.length === 0
                ? []
                : [
                      {
                          code: "open-ingress",
                          message: `${r.name} admits ${found.join(", ")}: addresses outside private space (${PRIVATE_SPACE}), i.e. the internet`,
                          urn: r.urn,
                      },
                  ];
        }),
        ...serviceGroupFindings(j),
    ],
});

// ---------------------------------------------------------------------------
// origin-verify-rotation

/** The slots' RandomPasswords: each slot's value, its keepers.generation what replaces it. */
function passwordFindings(j: Judgement): Finding[] {
    const after = j.proposed.originVerify;
    const before = j.deployed.kind === "state" ? j.deployed.position.originVerify : undefined;
    const passwords = ofType(j.views, TYPES.randomPassword);
    const live = new Set([after.send, ...after.accept, ...(before ? [before.send, ...before.accept] : [])]);
    const out: Finding[] = [];
    for (const slot of SLOTS) {
        const name = ORIGIN_VERIFY_PASSWORDS[slot];
        const found = passwords.filter((r) => r.name === name);
        if (found.length !== 1 && live.has(slot)) {
            out.push({
                code: "origin-verify-slot",
                message: `slot ${slot}, which CloudFront sends or the rules accept, needs exactly one RandomPassword "${name}" (found ${found.length}): a renamed or missing password is a new secret the ALB does not know`,
            });
        }
    }
    return out;
}

/** A value regenerated by code (length, keepers, a replace) while in use: only a rotation step allows a new generation. */
function regeneratedFindings(j: Judgement, before: Position["originVerify"], after: Position["originVerify"]): string[] {
    const out: string[] = [];
    for (const slot of SLOTS) {
        const inUse = slot === before.send || slot === after.send || before.accept.includes(slot);
        if (!inUse || before.generation[slot] !== after.generation[slot]) continue;
        for (const pw of ofType(j.views, TYPES.randomPassword).filter((r) => r.name === ORIGIN_VERIFY_PASSWORDS[slot])) {
            if (isUnknown(() => propsOf<RandomPasswordProps>(pw).result) || isUnknown(() => propsOf<RandomPasswordProps>(pw).id)) {
                out.push(
                    `slot ${slot}'s secret (RandomPassword ${pw.name}) would be generated anew without a new generation while CloudFront sends it or the deployed rules accept it: in between every request gets the ALB's 403`,
                );
            }
        }
    }
    return out;
}

/** The rotation order, against the deployed slots (lib/position.ts originVerify). */
function rotationFindings(j: Judgement): Finding[] {
    if (j.deployed.kind === "new") return [];
    if (j.deployed.kind === "unjudgeable")
        return [{ code: "origin-verify-unjudgeable", message: `cannot judge the origin-verify secret against the deployed one: ${j.deployed.reason}` }];
    const before = j.deployed.position.originVerify;
    const after = j.proposed.originVerify;
    const out = regeneratedFindings(j, before, after);
    const [was, now] = [j.deployed.position.headers?.originVerify, j.proposed.headers?.originVerify];
    if (was && now && !sameHeader(was, now))
        out.push(`header ${was} → ${now} in one update: the rules and the distribution change separately, and in between every request gets the ALB's 403`);
    for (const slot of SLOTS) {
        if (before.generation[slot] !== after.generation[slot] && (slot === before.send || slot === after.send))
            out.push(
                `slot ${slot}'s secret would be replaced (generation ${before.generation[slot]} → ${after.generation[slot]}) while CloudFront sends it: in between every request gets the ALB's 403`,
            );
    }
    if (after.send && after.send !== before.send && !before.accept.includes(after.send))
        out.push(
            `CloudFront would send slot ${after.send}, which the deployed rules do not accept yet: first make the rules accept both slots (rotation step 1)`,
        );
    if (before.send && !after.accept.includes(before.send))
        out.push(
            `the rules would stop accepting slot ${before.send}, which CloudFront sends in the deployed state (it keeps sending it for the minutes a distribution takes to deploy)`,
        );
    return out.map((message) => ({ code: "origin-verify-order", message }));
}

export const originVerifyRotation = stackPolicy({
    name: "origin-verify-rotation",
    description:
        "The origin-verify secret changes only in the documented rotation order: a new value is generated only in a slot CloudFront does not send, CloudFront switches only to a slot the deployed rules already accept, and the rules keep accepting what CloudFront sent until it has switched; the ALB always accepts what CloudFront sends.",
    severity: "critical",
    remediationSteps: "Rotate with npm run canary -- rotate-origin-verify (three updates); never change the generation of the slot CloudFront sends.",
    check: passwordFindings,
    positionFindings: (p) =>
        p.originVerify.send !== null && !p.originVerify.accept.includes(p.originVerify.send)
            ? [
                  {
                      code: "origin-verify-refused",
                      message: `the rules do not accept slot ${p.originVerify.send}, which CloudFront sends: every request gets the ALB's 403`,
                      subject: "originVerify",
                      measure: 1,
                  },
              ]
            : [],
    forward: rotationFindings,
});

export const accessPolicies = [qaRoutesProtected, originLocked, noOpenIngress, originVerifyRotation];
