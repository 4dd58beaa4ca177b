/**
 * Who can reach what: only CloudFront reaches the ALB, only testers holding the token
 * use the QA routes, and CloudFront passes on what the routing depends on.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { ALL_VIEWER_EXCEPT_HOST_POLICY_ID, ALL_VIEWER_POLICY_ID, CACHING_DISABLED_POLICY_ID } from "../lib/cloudfront";
import { DEFAULT_HEADERS, RULE_ROLE_TAG } from "../lib/contract";
import {
    TYPES,
    headerConditions,
    ruleView,
    rulesOf,
    tagsOf,
} from "./stackView";
import { isCutinOldOrigin } from "./cutin";

const headerSchema = (def: string): PolicyConfigJSONSchema => ({ type: "string", minLength: 1, maxLength: 40, default: def });

export interface HeaderNames {
    originVerifyHeader: string;
    routeHeader: string;
    tokenHeader: string;
}

const headerNamesSchema = {
    originVerifyHeader: headerSchema(DEFAULT_HEADERS.originVerify),
    routeHeader: headerSchema(DEFAULT_HEADERS.route),
    tokenHeader: headerSchema(DEFAULT_HEADERS.token),
};

/**
 * Whether a header condition is there with at least one value. The values themselves are
 * generated secrets, unknown before the first deployment, so they are not read here.
 */
function hasValue(values: string[] | undefined): boolean {
    return Array.isArray(values) && values.length > 0;
}

export const qaRoutesProtected: ResourceValidationPolicy = {
    name: "qa-routes-protected",
    description: "Every QA header route also requires the secret token header and the origin-verify header, so the public cannot pick an implementation.",
    severity: "critical",
    remediationSteps: "Keep the token and origin-verify header conditions on every QA rule (lib/rules.ts adds both).",
    configSchema: { properties: headerNamesSchema },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.listenerRule || tagsOf(args)[RULE_ROLE_TAG] !== "qa") {
            args.notApplicable("applies to QA listener rules");
            return;
        }
        const names = args.getConfig<HeaderNames>();
        const headers = headerConditions(ruleView(args as any));
        if (!hasValue(headers.get(names.tokenHeader.toLowerCase()))) {
            reportViolation(`the QA route does not require the ${names.tokenHeader} token header`);
        }
        if (!hasValue(headers.get(names.originVerifyHeader.toLowerCase()))) {
            reportViolation(`the QA route does not require the ${names.originVerifyHeader} header`);
        }
    },
};

export interface OriginLockedConfig {
    originVerifyHeader: string;
    /** CloudFront origin-facing prefix list ids of the stack's region; empty: any prefix list is accepted. */
    prefixListIds: string[];
}

/** Ingress that is not a prefix list: CIDRs, security groups or self. */
function openIngress(rule: any): string | undefined {
    for (const key of ["cidrBlocks", "ipv6CidrBlocks", "securityGroups"]) {
        if (Array.isArray(rule?.[key]) && rule[key].length > 0) return `${key} ${rule[key].join(", ")}`;
    }
    for (const key of ["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "sourceSecurityGroupId"]) {
        if (rule?.[key]) return `${key} ${rule[key]}`;
    }
    if (rule?.self) return "self";
    return undefined;
}

export const originLocked: StackValidationPolicy = {
    name: "origin-locked",
    description:
        "The ALB admits only CloudFront's origin-facing prefix list, every forwarding rule requires the origin-verify header CloudFront adds, and listeners default to a fixed response.",
    severity: "critical",
    remediationSteps:
        "Keep the ALB security group's only ingress the CloudFront prefix list, the origin-verify header on every rule and in the distribution's origin, and listener defaults fixed-response or redirect.",
    configSchema: {
        properties: {
            originVerifyHeader: headerSchema(DEFAULT_HEADERS.originVerify),
            prefixListIds: { type: "array", items: { type: "string", pattern: "^pl-[0-9a-f]+$" }, default: [] },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<OriginLockedConfig>();
        const albs = args.resources.filter((r) => r.type === TYPES.loadBalancer);
        if (albs.length === 0) {
            args.notApplicable("no load balancer in this stack");
            return;
        }
        const verify = config.originVerifyHeader.toLowerCase();
        const rules = rulesOf(args.resources).filter((r) => r.forward);
        const distributions = args.resources.filter((r) => r.type === TYPES.distribution);
        const verifyHeaders = (dist: (typeof distributions)[number]) =>
            ((dist.props as any).origins ?? []).map((origin: any) => ({
                origin,
                header: ((origin.customHeaders ?? []) as any[]).find((h) => String(h?.name).toLowerCase() === verify),
            })) as { origin: any; header?: any }[];

        // Structure first: all of it is known before anything exists.
        for (const rule of rules) {
            if (!hasValue(headerConditions(rule).get(verify))) {
                reportViolation(`rule ${rule.name} forwards without requiring ${config.originVerifyHeader}: anyone reaching the ALB could use it`, rule.resource.urn);
            }
        }
        for (const listener of args.resources.filter((r) => r.type === TYPES.listener)) {
            const actions: any[] = (listener.props as any).defaultActions ?? [];
            const types = actions.map((a) => a?.type);
            if (types.length === 0 || types.some((t) => t !== "fixed-response" && t !== "redirect")) {
                reportViolation(`listener ${listener.name} default action is ${types.join(", ") || "missing"}; it must be a fixed response (or an HTTPS redirect)`, listener.urn);
            }
        }
        for (const dist of distributions) {
            for (const { origin, header } of verifyHeaders(dist)) {
                // The cut-in's old origin (a Beanstalk environment CNAME, not the ALB) never had the header.
                if (isCutinOldOrigin(args.resources, origin)) continue;
                if (!header || !Object.keys(header).includes("value")) {
                    reportViolation(`distribution ${dist.name} origin ${origin.originId} does not add ${config.originVerifyHeader}: the ALB would reject all traffic`, dist.urn);
                }
            }
        }
        // Last, what needs ids that exist only after the first deployment.
        const albGroupIds = new Set(albs.flatMap((a) => ((a.props as any).securityGroups ?? []) as string[]));
        for (const sg of args.resources.filter((r) => r.type === TYPES.securityGroup && albGroupIds.has((r.props as any).id))) {
            for (const rule of ((sg.props as any).ingress ?? []) as any[]) {
                const open = openIngress(rule);
                const lists: string[] = rule.prefixListIds ?? [];
                if (open) {
                    reportViolation(`ALB security group ${sg.name} admits ${open}; only the CloudFront prefix list may reach the ALB`, sg.urn);
                } else if (lists.length === 0) {
                    reportViolation(`ALB security group ${sg.name} has an ingress rule without a source`, sg.urn);
                } else if (config.prefixListIds.length > 0 && lists.some((l) => !config.prefixListIds.includes(l))) {
                    reportViolation(`ALB security group ${sg.name} admits prefix list ${lists.join(", ")}, not CloudFront's (${config.prefixListIds.join(", ")})`, sg.urn);
                }
            }
        }
        // Standalone ingress rules attached to an ALB security group.
        for (const r of args.resources) {
            const p = r.props as any;
            const standalone = r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" || (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress");
            if (standalone && albGroupIds.has(p.securityGroupId) && !p.prefixListId && !(p.prefixListIds?.length > 0)) {
                reportViolation(`ingress rule ${r.name} opens the ALB security group to ${openIngress(p) ?? "an unknown source"}`, r.urn);
            }
        }

        // Last, the secret values (generated, so unknown before the first deployment): every
        // forwarding rule must accept what CloudFront sends, or it answers 403 to all.
        const sent = new Set<string>();
        for (const dist of distributions) {
            for (const { header } of verifyHeaders(dist)) {
                if (typeof header?.value === "string") sent.add(header.value);
            }
        }
        for (const rule of rules) {
            const accepted = headerConditions(rule).get(verify);
            if (sent.size > 0 && hasValue(accepted) && !accepted!.some((v) => sent.has(v))) {
                reportViolation(
                    `rule ${rule.name} does not accept the ${config.originVerifyHeader} value CloudFront sends: every request it should serve gets the listener's 403`,
                    rule.resource.urn,
                );
            }
        }
    },
};

export interface EdgeConfig {
    routeHeader: string;
    tokenHeader: string;
    stickinessCookies: string[];
}

function forwards(behavior: string | undefined, items: string[] | undefined, name: string, allKinds: string[]): boolean {
    const listed = (items ?? []).some((i) => i.toLowerCase() === name.toLowerCase());
    if (behavior !== undefined && allKinds.includes(behavior)) return true;
    if (behavior === "whitelist") return listed;
    if (behavior === "allExcept") return !listed;
    return false;
}

export const edgeForwardsRouting: StackValidationPolicy = {
    name: "edge-forwards-routing",
    description:
        "CloudFront forwards the routing and token headers and the AWSALB* stickiness cookies to the origin, and does not cache API responses (or keys the cache on the routing headers).",
    severity: "critical",
    remediationSteps:
        "Use the managed AllViewerExceptHostHeader origin request policy (or one that forwards the routing headers and the AWSALB cookies) with the managed CachingDisabled cache policy.",
    configSchema: {
        properties: {
            routeHeader: headerSchema(DEFAULT_HEADERS.route),
            tokenHeader: headerSchema(DEFAULT_HEADERS.token),
            stickinessCookies: { type: "array", items: { type: "string" }, default: ["AWSALB", "AWSALBTG"] },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<EdgeConfig>();
        const distributions = args.resources.filter((r) => r.type === TYPES.distribution);
        if (distributions.length === 0) {
            args.notApplicable("no CloudFront distribution in this stack");
            return;
        }
        const byId = (type: string) => new Map(args.resources.filter((r) => r.type === type).map((r) => [(r.props as any).id, r.props as any]));
        const originPolicies = byId(TYPES.originRequestPolicy);
        const cachePolicies = byId(TYPES.cachePolicy);
        const routing = [config.routeHeader, config.tokenHeader];
        for (const dist of distributions) {
            const p = dist.props as any;
            const behaviors: any[] = [p.defaultCacheBehavior, ...(p.orderedCacheBehaviors ?? [])].filter(Boolean);
            behaviors.forEach((b, i) => {
                const where = i === 0 ? "default cache behavior" : `cache behavior ${b.pathPattern}`;
                const say = (m: string) => reportViolation(`distribution ${dist.name}, ${where}: ${m}`, dist.urn);
                // The managed AllViewer policies forward every viewer header and cookie.
                if (![ALL_VIEWER_POLICY_ID, ALL_VIEWER_EXCEPT_HOST_POLICY_ID].includes(b.originRequestPolicyId)) {
                    const orp = originPolicies.get(b.originRequestPolicyId);
                    if (!orp) {
                        say("no origin request policy from this stack forwards the routing headers and cookies");
                    } else {
                        const h = orp.headersConfig ?? {};
                        for (const name of routing) {
                            if (!forwards(h.headerBehavior, h.headers?.items, name, ["allViewer", "allViewerAndWhitelistCloudFront"])) {
                                say(`header ${name} is not forwarded to the origin: header routing silently stops working`);
                            }
                        }
                        const c = orp.cookiesConfig ?? {};
                        for (const cookie of config.stickinessCookies) {
                            if (!forwards(c.cookieBehavior, c.cookies?.items, cookie, ["all"])) {
                                say(`cookie ${cookie} is not forwarded: ALB stickiness silently stops working`);
                            }
                        }
                    }
                }
                if (b.cachePolicyId !== CACHING_DISABLED_POLICY_ID) {
                    const cp = cachePolicies.get(b.cachePolicyId);
                    const keyHeaders = cp?.parametersInCacheKeyAndForwardedToOrigin?.headersConfig;
                    const keyed = routing.every((name) => forwards(keyHeaders?.headerBehavior, keyHeaders?.headers?.items, name, []));
                    const noCache = cp !== undefined && Number(cp.maxTtl) === 0;
                    if (!noCache && !keyed) {
                        say("API responses may be cached without the routing headers in the cache key: one implementation's answer would be served for the other");
                    }
                }
            });
        }
    },
};

export const accessPolicies = [qaRoutesProtected, originLocked, edgeForwardsRouting];
