/**
 * The edge: what the viewer-facing distributions (the edge, the cut-in's primary and staging) do
 * with a request, judged whole. Closed world inside a distribution too: a cache behavior key the
 * pack has no rule for, set to anything but its default, is refused, and so is code at the edge
 * that the program did not generate or a reviewed allow-list does not name.
 *
 * - edge-forwards-routing: the routing and token headers and the AWSALB* cookies reach the
 *   origin, and API responses are not cached unkeyed.
 * - edge-behaviors-allowed: every behavior allows the API's methods, runs only the stack's own
 *   viewer filter (on every behavior toward the routed ALB) or reviewed edge code, requires no
 *   signed URLs, encrypts no fields, never turns an error into a success; CloudFront's keep-alive
 *   toward the ALB stays below the ALB's idle timeout; a distribution stays enabled.
 * - edge-code-generated: a CloudFront Function of the stack is exactly what lib/viewerFilter.ts
 *   generates, for the headers the rules use, published on its runtime; a deployed filter does
 *   not go while QA routes remain.
 * - edge-web-acl-pinned: the web ACL of every distribution is one the policy config names.
 * - edge-logs-contained: standard logs only to a bucket of the stack or one the policy config
 *   names, without cookies; no real-time logs.
 *
 * Values a preview may not know yet (ARNs, generated code) are skipped one by one: a check that
 * needs one waits for a preview that knows it.
 */
import {
    ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID,
    ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
    ALL_VIEWER_POLICY_ID,
    CACHING_DISABLED_POLICY_ID,
} from "../lib/cloudfront";
import { Position, sameHeader } from "../lib/position";
import {
    BucketProps,
    CacheBehavior,
    CachePolicyProps,
    CloudFrontFunctionProps,
    DistributionProps,
    IdProps,
    LoadBalancerProps,
    OriginRequestPolicyProps,
    ResourceView,
    TYPES,
    UNKNOWN,
    cacheBehaviors,
    isUnknown,
    itemsOf,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { CLOUDFRONT_FUNCTION_RUNTIME, viewerFilterCode } from "../lib/viewerFilter";
import { Finding, Judgement, rulesOf, stackPolicy } from "./judge";

type Headers = NonNullable<Position["headers"]>;
type Origin = NonNullable<DistributionProps["origins"]>[number];

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

/** Where a behavior sits, for messages. */
const where = (b: CacheBehavior) => (b.pathPattern === undefined ? "default cache behavior" : `cache behavior ${b.pathPattern}`);

/** A value at its default: unset, empty, false, 0, or an object of such values (a Terraform-bridged provider reads every attribute back). */
function isDefault(v: unknown): boolean {
    if (v === undefined || v === null || v === "" || v === false || v === 0) return true;
    if (Array.isArray(v)) return v.length === 0;
    return typeof v === "object" && Object.values(v as Record<string, unknown>).every(isDefault);
}

/** Every distribution of the stack with its behaviors (default first). */
function behaviorsOf(views: readonly ResourceView[]): { dist: ResourceView; behavior: CacheBehavior }[] {
    return ofType(views, TYPES.distribution).flatMap((dist) => cacheBehaviors(propsOf<DistributionProps>(dist)).map((behavior) => ({ dist, behavior })));
}

/** An origin that reaches the routed ALB: through the stack's VPC origin, or with the origin-verify header (an internet-facing ALB). */
export function isRoutedOrigin(origin: Origin | undefined, headers: Headers | null): boolean {
    if (!origin) return false;
    if (origin.vpcOriginConfig) return true;
    return !!headers && (origin.customHeaders ?? []).some((h) => sameHeader(h.name, headers.originVerify));
}

/** The origin a behavior targets. */
export function targetOf(dist: ResourceView, b: CacheBehavior): Origin | undefined {
    return (propsOf<DistributionProps>(dist).origins ?? []).find((o) => o.originId === b.targetOriginId);
}

// ---------------------------------------------------------------------------
// edge-forwards-routing

export interface EdgeConfig {
    stickinessCookies: string[];
}

/** Managed origin request policies that forward every viewer header and cookie (AWS: "Use managed origin request policies"). */
const ALL_VIEWER_POLICIES: readonly string[] = [ALL_VIEWER_POLICY_ID, ALL_VIEWER_EXCEPT_HOST_POLICY_ID, ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID];

/** Whether a policy's headers, cookies or query strings setting passes on `name`. */
export function forwards(behavior: string | undefined, items: string[] | undefined, name: string, allKinds: string[]): boolean {
    const listed = (items ?? []).some((i) => sameHeader(i, name));
    if (behavior !== undefined && allKinds.includes(behavior)) return true;
    if (behavior === "whitelist") return listed;
    if (behavior === "allExcept") return !listed;
    return false;
}

/** What one cache behavior forwards to the origin and keys its cache on. */
function forwardingFindings(
    b: CacheBehavior,
    policies: { origin: ReadonlyMap<unknown, Partial<OriginRequestPolicyProps>>; cache: ReadonlyMap<unknown, Partial<CachePolicyProps>> },
    routing: readonly string[],
    cookies: readonly string[],
): [string, string][] {
    const out: [string, string][] = [];
    // The managed AllViewer policies forward every viewer header and cookie.
    if (!ALL_VIEWER_POLICIES.includes(String(b.originRequestPolicyId))) {
        const orp = policies.origin.get(b.originRequestPolicyId);
        if (!orp) out.push(["edge-no-origin-request-policy", "no origin request policy from this stack forwards the routing headers and cookies"]);
        else {
            const h = orp.headersConfig ?? {};
            for (const name of routing)
                if (!forwards(h.headerBehavior, h.headers?.items, name, ["allViewer", "allViewerAndWhitelistCloudFront"]))
                    out.push(["edge-header-dropped", `header ${name} is not forwarded to the origin: header routing silently stops working`]);
            const c = orp.cookiesConfig ?? {};
            for (const cookie of cookies)
                if (!forwards(c.cookieBehavior, c.cookies?.items, cookie, ["all"]))
                    out.push(["edge-cookie-dropped", `cookie ${cookie} is not forwarded: ALB stickiness silently stops working`]);
        }
    }
    if (b.cachePolicyId !== CACHING_DISABLED_POLICY_ID) {
        const cp = policies.cache.get(b.cachePolicyId);
        const keyHeaders = cp?.parametersInCacheKeyAndForwardedToOrigin?.headersConfig;
        const keyed = routing.every((name) => forwards(keyHeaders?.headerBehavior, keyHeaders?.headers?.items, name, []));
        const noCache = cp !== undefined && Number(cp.maxTtl) === 0;
        if (!noCache && !keyed)
            out.push([
                "edge-cache-unkeyed",
                "API responses may be cached without the routing headers in the cache key: one implementation's answer would be served for the other",
            ]);
    }
    return out;
}

/** The stack's own origin request and cache policies, by id. */
export function policiesOf(views: readonly ResourceView[]) {
    const byId = <P extends IdProps>(type: string) => new Map(ofType(views, type).map((r) => [read(() => propsOf<P>(r).id), propsOf<P>(r)]));
    return { origin: byId<OriginRequestPolicyProps>(TYPES.originRequestPolicy), cache: byId<CachePolicyProps>(TYPES.cachePolicy) };
}

const ALB_STICKINESS_COOKIES = ["AWSALB", "AWSALBTG"] as const;

export const edgeForwardsRouting = stackPolicy<EdgeConfig>({
    name: "edge-forwards-routing",
    description:
        "CloudFront forwards the routing and token headers and the AWSALB* stickiness cookies to the origin, and does not cache API responses (or keys the cache on the routing headers).",
    severity: "critical",
    remediationSteps:
        "Use the managed AllViewerExceptHostHeader origin request policy (or one that forwards the routing headers and the AWSALB cookies) with the managed CachingDisabled cache policy.",
    configSchema: {
        properties: {
            stickinessCookies: { type: "array", items: { type: "string" }, default: [...ALB_STICKINESS_COOKIES] },
        },
    },
    // The ALB's own stickiness cookies (ELB User Guide, "Sticky sessions for your Application Load
    // Balancer": AWSALB for target-group stickiness, AWSALBTG for the forward action's): a list
    // without them switches the cookie check off.
    configProblems: ({ stickinessCookies }) => {
        const missing = ALB_STICKINESS_COOKIES.filter((c) => !(stickinessCookies ?? []).includes(c));
        return missing.length === 0 ? [] : [`stickinessCookies leaves out ${missing.join(", ")}: the ALB's stickiness cookies are always checked`];
    },
    check: (j, config) => {
        if (ofType(j.views, TYPES.distribution).length === 0) return [];
        const headers = headersOrRefuse(j, "what CloudFront forwards");
        if (isFinding(headers)) return [headers];
        const policies = policiesOf(j.views);
        const routing = [headers.route, headers.token];
        return behaviorsOf(j.views).flatMap(({ dist, behavior }) =>
            forwardingFindings(behavior, policies, routing, config.stickinessCookies).map(([code, message]): Finding => ({
                code,
                message: `distribution ${dist.name}, ${where(behavior)}: ${message}`,
                urn: dist.urn,
            })),
        );
    },
});

// ---------------------------------------------------------------------------
// edge-behaviors-allowed

export interface BehaviorsConfig {
    /** Path patterns of read-only endpoints whose behaviors may allow only GET and HEAD (and OPTIONS). */
    readOnlyPaths: string[];
    /** CloudFront Function ARNs the adopted live distribution runs (reviewed: their code is outside the pack). */
    functionArns: string[];
    /** Lambda@Edge function version ARNs the adopted live distribution runs (reviewed, versioned: the code is fixed). */
    lambdaArns: string[];
    /** Response headers policy ids beyond the managed SecurityHeadersPolicy. */
    responseHeadersPolicyIds: string[];
}

/**
 * The three sets of methods a behavior may allow (CloudFront API, AllowedMethods: 2, 3 or 7 methods).
 * A method a behavior does not allow gets CloudFront's 403 (Developer Guide, "HTTP 403 status code
 * (Invalid method)"): the API needs all seven; a read-only path the policy config names may allow fewer.
 */
const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
const READ_ONLY_METHODS = [
    ["GET", "HEAD"],
    ["GET", "HEAD", "OPTIONS"],
];
/** Managed response headers policy "SecurityHeadersPolicy" (Developer Guide, "Use managed response headers policies"): security headers only, no CORS. */
export const SECURITY_HEADERS_POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03";
/** CloudFront's default origin keep-alive (API reference, CustomOriginConfig / VpcOriginConfig OriginKeepaliveTimeout: 5 s) and ELB's default idle timeout (60 s). */
const DEFAULT_KEEPALIVE_SECONDS = 5;
const DEFAULT_ALB_IDLE_SECONDS = 60;

/** What the behaviors are judged against in one evaluation. */
interface BehaviorContext {
    config: BehaviorsConfig;
    headers: Headers | null;
    /** ARNs of the stack's CloudFront Functions (the QA viewer filter), known ones only. */
    filters: Set<string>;
    /** Some Function of the stack has an ARN the preview does not know yet. */
    filterPending: boolean;
}

const sameSet = (a: readonly unknown[], b: readonly string[]) => a.length === b.length && [...a].map(String).sort().join() === [...b].sort().join();

function methodsProblem(b: CacheBehavior, config: BehaviorsConfig): string | undefined {
    const methods = itemsOf(b.allowedMethods);
    if (methods.includes(UNKNOWN) || sameSet(methods, ALL_METHODS)) return undefined;
    const readOnly = b.pathPattern !== undefined && (config.readOnlyPaths ?? []).includes(b.pathPattern);
    if (readOnly && READ_ONLY_METHODS.some((m) => sameSet(methods, m))) return undefined;
    return `allows ${methods.map(String).join(", ") || "no method"}: CloudFront answers every other method with 403 (the API takes ${ALL_METHODS.join(", ")}${readOnly ? "" : "; a read-only path needs its pattern in readOnlyPaths"})`;
}

/** The function associations: the stack's viewer filter on viewer-request (required toward the ALB), or reviewed functions. */
function associationFindings(b: CacheBehavior, routed: boolean, ctx: BehaviorContext): [string, string][] {
    const out: [string, string][] = [];
    const associations = itemsOf(b.functionAssociations);
    for (const a of associations) {
        if (a === UNKNOWN) continue;
        const arn = read(() => a.functionArn);
        if (arn === UNKNOWN) continue;
        if (ctx.filters.has(String(arn))) {
            if (a.eventType !== "viewer-request")
                out.push(["edge-function-foreign", `runs the QA viewer filter on ${a.eventType}: it filters viewer requests only (viewer-request)`]);
        } else if (!(ctx.config.functionArns ?? []).includes(String(arn))) {
            out.push([
                "edge-function-foreign",
                `runs CloudFront Function ${String(arn)} on ${a.eventType}: neither the stack's viewer filter nor a function the policy config names`,
            ]);
        }
    }
    if (routed && (ctx.filters.size > 0 || ctx.filterPending)) {
        const onRequest = associations
            .filter((a) => a !== UNKNOWN && a.eventType === "viewer-request")
            .map((a) => (a === UNKNOWN ? a : read(() => a.functionArn)));
        const filtered = onRequest.some((arn) => arn === UNKNOWN || ctx.filters.has(String(arn)));
        if (!filtered)
            out.push([
                "edge-filter-missing",
                "reaches the routed ALB without the QA viewer filter on viewer-request: the ALB cannot see the viewer's address, so the QA routes would be open to every address holding the token",
            ]);
    }
    return out;
}

function lambdaFindings(b: CacheBehavior, config: BehaviorsConfig): [string, string][] {
    return itemsOf(b.lambdaFunctionAssociations).flatMap((a): [string, string][] => {
        if (a === UNKNOWN) return [];
        const arn = read(() => a.lambdaArn);
        if (arn === UNKNOWN) return [];
        if (!(config.lambdaArns ?? []).includes(String(arn)))
            return [["edge-lambda-foreign", `runs Lambda@Edge ${String(arn)} on ${a.eventType}: not a function version the policy config names`]];
        // A request-event function with the body reads every payment payload (Lambda@Edge "includeBody").
        return a.includeBody === true ? [["edge-lambda-foreign", `passes request bodies (card data) to Lambda@Edge ${String(arn)} (includeBody)`]] : [];
    });
}

/**
 * The behavior keys and who judges each: a function here, or another policy (`elsewhere`).
 * A key not listed, set to anything but its default, is refused (edge-behavior-unknown).
 */
type KeyRule = (b: CacheBehavior, routed: boolean, ctx: BehaviorContext) => [string, string][];
const elsewhere: KeyRule = () => [];
const unset =
    (key: keyof CacheBehavior, code: string, why: string): KeyRule =>
    (b) =>
        isUnknown(() => b[key]) || isDefault(read(() => b[key])) ? [] : [[code, `sets ${String(key)}: ${why}`]];

const BEHAVIOR_KEYS: Record<string, KeyRule> = {
    // The cut-in phase and origin-locked judge the target; cloudfront-viewer-tls the viewer protocol;
    // edge-forwards-routing the policies and the cache: the legacy TTLs apply only without a cache
    // policy, which it refuses unless the cache is keyed on the routing headers (edge-cache-unkeyed).
    targetOriginId: elsewhere,
    pathPattern: elsewhere,
    viewerProtocolPolicy: elsewhere,
    cachePolicyId: elsewhere,
    originRequestPolicyId: elsewhere,
    cachedMethods: elsewhere,
    minTtl: elsewhere,
    defaultTtl: elsewhere,
    maxTtl: elsewhere,
    // Compression of responses changes no request.
    compress: elsewhere,
    // edge-logs-contained.
    realtimeLogConfigArn: elsewhere,
    allowedMethods: (b, _r, ctx) => {
        const problem = methodsProblem(b, ctx.config);
        return problem ? [["edge-methods", problem]] : [];
    },
    functionAssociations: associationFindings,
    lambdaFunctionAssociations: (b, _r, ctx) => lambdaFindings(b, ctx.config),
    responseHeadersPolicyId: (b, _r, ctx) => {
        const id = read(() => b.responseHeadersPolicyId);
        if (id === UNKNOWN || isDefault(id) || id === SECURITY_HEADERS_POLICY_ID || (ctx.config.responseHeadersPolicyIds ?? []).includes(String(id))) return [];
        return [
            [
                "edge-response-headers-foreign",
                `adds response headers policy ${String(id)}: only SecurityHeadersPolicy or one the policy config names (a CORS policy lets any site's scripts read the API's answers)`,
            ],
        ];
    },
    // Field-level encryption encrypts request fields with a public key the pack cannot see (Developer Guide, "Use field-level encryption").
    fieldLevelEncryptionId: unset(
        "fieldLevelEncryptionId",
        "edge-field-level-encryption",
        "request fields would be encrypted with a key the pack does not know",
    ),
    // Trusted signers or key groups make CloudFront require signed URLs or cookies (Developer Guide, "Specify signers"): every API request gets 403.
    trustedSigners: unset("trustedSigners", "edge-signed-only", "CloudFront would require signed URLs or cookies for every request"),
    trustedKeyGroups: unset("trustedKeyGroups", "edge-signed-only", "CloudFront would require signed URLs or cookies for every request"),
    smoothStreaming: unset("smoothStreaming", "edge-behavior-unknown", "Microsoft Smooth Streaming is no API setting"),
    grpcConfig: unset("grpcConfig", "edge-behavior-unknown", "gRPC is no protocol the API serves"),
    forwardedValues: unset("forwardedValues", "edge-behavior-unknown", "legacy cache settings: the API uses cache and origin request policies"),
};

function behaviorFindings(dist: ResourceView, b: CacheBehavior, ctx: BehaviorContext): Finding[] {
    const routed = isRoutedOrigin(targetOf(dist, b), ctx.headers);
    const found: [string, string][] = Object.values(BEHAVIOR_KEYS).flatMap((rule) => rule(b, routed, ctx));
    for (const key of Object.keys(b)) {
        if (key in BEHAVIOR_KEYS) continue;
        const value = read(() => (b as unknown as Record<string, unknown>)[key]);
        if (value === UNKNOWN || !isDefault(value)) found.push(["edge-behavior-unknown", `sets ${key}, which the pack has no rule for`]);
    }
    return found.map(([code, message]) => ({ code, message: `distribution ${dist.name}, ${where(b)} ${message}`, urn: dist.urn }));
}

/** Custom error responses replace the origin's status with ResponseCode (API reference, CustomErrorResponse): never an error into a success. */
function errorResponseFindings(dist: ResourceView): Finding[] {
    return itemsOf(propsOf<DistributionProps>(dist).customErrorResponses).flatMap((r): Finding[] => {
        if (r === UNKNOWN) return [];
        const code = read(() => r.responseCode);
        if (code === UNKNOWN || isDefault(code) || Number(code) >= 400) return [];
        return [
            {
                code: "edge-error-masked",
                message: `distribution ${dist.name} answers the origin's ${String(r.errorCode)} with ${String(code)}: a failed payment would reach the client as a success`,
                urn: dist.urn,
            },
        ];
    });
}

/**
 * CloudFront's keep-alive toward the ALB below the ALB's idle timeout: the ALB closes a connection
 * idle that long, and CloudFront reusing it gets a reset and answers 502 (Developer Guide, "Keep-alive
 * timeout (custom and VPC origins only)"; ELB, "Connection idle timeout"). lib/config.ts refuses it
 * in config; this is the same rule on what the program declares.
 */
function keepaliveFindings(views: readonly ResourceView[], headers: Headers | null): Finding[] {
    const idle = ofType(views, TYPES.loadBalancer).map((lb) => read(() => propsOf<LoadBalancerProps>(lb).idleTimeout));
    if (idle.length === 0 || idle.includes(UNKNOWN)) return [];
    const limit = Math.min(...idle.map((s) => (isDefault(s) ? DEFAULT_ALB_IDLE_SECONDS : Number(s))));
    return ofType(views, TYPES.distribution).flatMap((dist) =>
        (propsOf<DistributionProps>(dist).origins ?? [])
            .filter((o) => isRoutedOrigin(o, headers))
            .flatMap((o): Finding[] => {
                const set = read(() => (o.vpcOriginConfig ?? o.customOriginConfig)?.originKeepaliveTimeout);
                const seconds = set === UNKNOWN ? NaN : isDefault(set) ? DEFAULT_KEEPALIVE_SECONDS : Number(set);
                if (!(seconds >= limit)) return [];
                return [
                    {
                        code: "edge-keepalive",
                        message: `distribution ${dist.name} origin ${o.originId} keeps connections ${seconds} s, not less than the ALB's idle timeout (${limit} s): the ALB closes connections CloudFront reuses (intermittent 502s)`,
                        urn: dist.urn,
                    },
                ];
            }),
    );
}

export const edgeBehaviorsAllowed = stackPolicy<BehaviorsConfig>({
    name: "edge-behaviors-allowed",
    description:
        "Every cache behavior of every distribution is judged whole against an allow-list: the API's seven methods (fewer only on a read-only path the policy config names); on every behavior toward the routed ALB the stack's own QA viewer filter on viewer-request; no other edge code but CloudFront Functions and Lambda@Edge versions the policy config names (never with request bodies); no signed-URL requirement, field-level encryption, legacy cache settings or other key the pack has no rule for; SecurityHeadersPolicy or a listed response headers policy. No custom error response turns an error into a success, CloudFront's keep-alive toward the ALB stays below the ALB's idle timeout, and every distribution stays enabled.",
    severity: "critical",
    remediationSteps:
        "Keep the behaviors the program derives (components/edgeDistribution.ts, lib/cutin.ts). Edge code the live distribution already runs goes into this policy's functionArns / lambdaArns in policy-config.<stack>.json (reviewed); a read-only path into readOnlyPaths.",
    configSchema: {
        properties: {
            readOnlyPaths: { type: "array", items: { type: "string" }, default: [] },
            functionArns: { type: "array", items: { type: "string", pattern: "^arn:aws:cloudfront::\\d{12}:function/[A-Za-z0-9_-]+$" }, default: [] },
            lambdaArns: { type: "array", items: { type: "string", pattern: "^arn:aws:lambda:us-east-1:\\d{12}:function:[A-Za-z0-9_-]+:\\d+$" }, default: [] },
            responseHeadersPolicyIds: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    check: (j, config) => {
        const functions = ofType(j.views, TYPES.cloudfrontFunction).map((f) => read(() => propsOf<CloudFrontFunctionProps>(f).arn));
        const ctx: BehaviorContext = {
            config,
            headers: j.proposed.headers,
            filters: new Set(functions.filter((a): a is string => typeof a === "string")),
            filterPending: functions.includes(UNKNOWN),
        };
        const disabled = ofType(j.views, TYPES.distribution)
            .filter((d) => read(() => propsOf<DistributionProps>(d).enabled) === false)
            .map((d): Finding => ({ code: "edge-disabled", message: `distribution ${d.name} is disabled: it serves no viewer`, urn: d.urn }));
        return [
            ...behaviorsOf(j.views).flatMap(({ dist, behavior }) => behaviorFindings(dist, behavior, ctx)),
            ...ofType(j.views, TYPES.distribution).flatMap(errorResponseFindings),
            ...keepaliveFindings(j.views, j.proposed.headers),
            ...disabled,
        ];
    },
});

// ---------------------------------------------------------------------------
// edge-code-generated

/** The generator's inputs recovered from a function's code, or undefined when the code is not in the generator's form. */
export function viewerFilterInputs(code: string): { routeHeader: string; tokenHeader: string; sourceCidrs: string[] } | undefined {
    const value = (name: string) => {
        const m = new RegExp(`^var ${name} = (.*);$`, "m").exec(code);
        return m ? (JSON.parse(m[1]) as unknown) : undefined;
    };
    try {
        const [route, token, v4, v6] = ["ROUTE", "TOKEN", "V4", "V6"].map(value);
        if (typeof route !== "string" || typeof token !== "string" || !Array.isArray(v4) || !Array.isArray(v6)) return undefined;
        const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
        const cidrs = [
            ...(v4 as [number, number][]).map(([n, bits]) => `${dotted(n)}/${bits}`),
            ...(v6 as [number[], number][]).map(([groups, bits]) => `${groups.map((g) => g.toString(16)).join(":")}/${bits}`),
        ];
        return { routeHeader: route, tokenHeader: token, sourceCidrs: cidrs };
    } catch {
        return undefined;
    }
}

/** Whether `code` is exactly what lib/viewerFilter.ts generates for the inputs it carries. */
export function isGeneratedFilter(code: string): boolean {
    const inputs = viewerFilterInputs(code);
    if (!inputs) return false;
    try {
        return viewerFilterCode(inputs) === code;
    } catch {
        return false;
    }
}

function filterCodeFindings(fn: ResourceView, headers: Headers | null): Finding[] {
    const p = propsOf<CloudFrontFunctionProps>(fn);
    const out: Finding[] = [];
    const say = (code: string, message: string) => out.push({ code, message: `CloudFront Function ${fn.name} ${message}`, urn: fn.urn });
    const code = read(() => p.code);
    if (code !== UNKNOWN) {
        if (typeof code !== "string" || !isGeneratedFilter(code))
            say("edge-code-foreign", "runs code lib/viewerFilter.ts did not generate: a function can answer, redirect or rewrite every request at the edge");
        else {
            const inputs = viewerFilterInputs(code)!;
            if (headers && (!sameHeader(inputs.routeHeader, headers.route) || !sameHeader(inputs.tokenHeader, headers.token)))
                say(
                    "edge-code-headers",
                    `filters ${inputs.routeHeader} and ${inputs.tokenHeader}, not the headers the rules use (${headers.route}, ${headers.token})`,
                );
        }
    }
    const runtime = read(() => p.runtime);
    if (runtime !== UNKNOWN && runtime !== CLOUDFRONT_FUNCTION_RUNTIME)
        say("edge-code-runtime", `runs on ${String(runtime)}, not ${CLOUDFRONT_FUNCTION_RUNTIME} (the generated code's runtime)`);
    // Behaviors run the LIVE stage (Developer Guide, "Publish functions"): unpublished, the code judged here is not the code that runs.
    const publish = read(() => p.publish);
    if (publish !== UNKNOWN && publish !== true)
        say("edge-code-unpublished", "is not published: the distributions keep running whatever its LIVE stage holds, which the pack has not judged");
    return out;
}

const FUNCTION_KEY = `${TYPES.cloudfrontFunction}::`;

/** A deployed viewer filter removed while QA routes remain: the ALB cannot check the viewer's address. */
function filterRemovedFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "state") return [];
    const had = Object.keys(j.deployed.position.fingerprints).some((k) => k.includes(FUNCTION_KEY));
    const has = ofType(j.views, TYPES.cloudfrontFunction).length > 0;
    const qa = rulesOf(j).some((r) => r.role === "qa");
    return had && !has && qa
        ? [
              {
                  code: "edge-filter-removed",
                  message:
                      "the deployed QA viewer filter would be removed while QA routes remain: every address holding the token would reach them; remove the QA routes first",
              },
          ]
        : [];
}

export const edgeCodeGenerated = stackPolicy<object>({
    name: "edge-code-generated",
    description:
        "Every CloudFront Function of the stack is exactly what lib/viewerFilter.ts generates (its inputs recovered from the code), for the routing and token headers the rules use, published (distributions run the LIVE stage) on cloudfront-js-2.0; a deployed viewer filter does not go while QA routes remain.",
    severity: "critical",
    remediationSteps: "Change the QA viewer filter through qa.sourceCidrs and qa.*Header (lib/viewerFilter.ts generates it); never edit its code.",
    check: (j) => ofType(j.views, TYPES.cloudfrontFunction).flatMap((fn) => filterCodeFindings(fn, j.proposed.headers)),
    forward: filterRemovedFindings,
});

// ---------------------------------------------------------------------------
// edge-web-acl-pinned

export interface WebAclConfig {
    /** The WAFv2 web ACLs (scope CLOUDFRONT) the distributions may use: reviewed (CODEOWNERS). Empty: none. */
    webAclArns: string[];
}

/** A CloudFront web ACL: WAFv2, scope CLOUDFRONT, which lives in us-east-1 (WAF Developer Guide, "Using AWS WAF with Amazon CloudFront"). */
const WAFV2_CLOUDFRONT_ARN = /^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[A-Za-z0-9-]+$/;

export const edgeWebAclPinned = stackPolicy<WebAclConfig>({
    name: "edge-web-acl-pinned",
    description:
        "Every distribution's web ACL is one the policy config names (webAclArns, reviewed): an ACL is judged by what its rules do, which the pack cannot see, so which ACL protects the edge is a reviewed decision; with ACLs listed, a distribution without one is refused too.",
    severity: "critical",
    remediationSteps:
        "Change the web ACL in a pull request that also lists it in edge-web-acl-pinned.webAclArns (policy-config.<stack>.json, CODEOWNERS review), at cut-in phase adopted or promoted (cd-waf-change).",
    configSchema: { properties: { webAclArns: { type: "array", items: { type: "string" }, default: [] } } },
    configProblems: (config) =>
        (config.webAclArns ?? [])
            .filter((a) => !WAFV2_CLOUDFRONT_ARN.test(a))
            .map((a) => `webAclArns names ${a}: not a WAFv2 web ACL ARN of scope CLOUDFRONT (us-east-1, global/webacl)`),
    check: (j, config) => {
        const listed = config.webAclArns ?? [];
        return ofType(j.views, TYPES.distribution).flatMap((dist): Finding[] => {
            const acl = read(() => propsOf<DistributionProps>(dist).webAclId);
            if (acl === UNKNOWN) return [];
            if (isDefault(acl))
                return listed.length === 0
                    ? []
                    : [
                          {
                              code: "edge-waf-missing",
                              message: `distribution ${dist.name} has no web ACL; the policy config pins ${listed.join(", ")}`,
                              urn: dist.urn,
                          },
                      ];
            return listed.includes(String(acl))
                ? []
                : [
                      {
                          code: "edge-waf-unlisted",
                          message: `distribution ${dist.name} uses web ACL ${String(acl)}, which edge-web-acl-pinned.webAclArns does not name: what it blocks is unreviewed`,
                          urn: dist.urn,
                      },
                  ];
        });
    },
});

// ---------------------------------------------------------------------------
// edge-logs-contained

export interface EdgeLogsConfig {
    /** Standard-log buckets outside the stack (the live distribution's), as CloudFront names them (<bucket>.s3.amazonaws.com): reviewed. */
    logBuckets: string[];
}

/** How CloudFront names the stack's buckets in LoggingConfig.Bucket (API reference, LoggingConfig: "amzn-s3-demo-bucket.s3.amazonaws.com"). */
function stackLogBuckets(views: readonly ResourceView[]): Set<string> {
    const out = new Set<string>();
    for (const b of ofType(views, TYPES.bucket)) {
        const p = propsOf<BucketProps>(b);
        for (const v of [read(() => p.bucketDomainName), read(() => p.bucketRegionalDomainName)]) if (typeof v === "string") out.add(v.toLowerCase());
        const name = read(() => p.bucket ?? p.id);
        if (typeof name === "string") out.add(`${name}.s3.amazonaws.com`.toLowerCase());
    }
    return out;
}

function loggingFindings(dist: ResourceView, buckets: ReadonlySet<string>, config: EdgeLogsConfig): Finding[] {
    const logging = read(() => propsOf<DistributionProps>(dist).loggingConfig);
    if (logging === UNKNOWN || !logging) return [];
    const out: Finding[] = [];
    const bucket = read(() => logging.bucket);
    const listed = (config.logBuckets ?? []).map((b) => b.toLowerCase());
    if (bucket !== UNKNOWN && !isDefault(bucket) && !buckets.has(String(bucket).toLowerCase()) && !listed.includes(String(bucket).toLowerCase()))
        out.push({
            code: "edge-log-bucket-foreign",
            message: `distribution ${dist.name} writes its standard logs (every request: client address, path, query string) to ${String(bucket)}, neither a bucket of this stack nor one edge-logs-contained.logBuckets names`,
            urn: dist.urn,
        });
    // "CloudFront logs all cookies regardless of how you configure the cache behaviors" (API reference, LoggingConfig IncludeCookies).
    if (read(() => logging.includeCookies) === true)
        out.push({
            code: "edge-log-cookies",
            message: `distribution ${dist.name} logs every viewer cookie (includeCookies): session cookies in a log file`,
            urn: dist.urn,
        });
    return out;
}

export const edgeLogsContained = stackPolicy<EdgeLogsConfig>({
    name: "edge-logs-contained",
    description:
        "A distribution's standard logs go only to a bucket the stack declares or one the policy config names (logBuckets, reviewed), without cookies; no behavior streams real-time logs (they can carry every header and cookie, the QA token and authorization among them, to a Kinesis stream in any account).",
    severity: "critical",
    remediationSteps:
        "Keep loggingConfig as the live distribution has it (listed in edge-logs-contained.logBuckets) or point it at a bucket of the stack, with includeCookies false; remove realtimeLogConfigArn.",
    configSchema: {
        properties: {
            logBuckets: { type: "array", items: { type: "string", pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\.s3\\.amazonaws\\.com$" }, default: [] },
        },
    },
    check: (j, config) => {
        const buckets = stackLogBuckets(j.views);
        // Real-time logs: any field of the request, headers and cookies included (Developer Guide, "Real-time log configuration fields").
        const realtime = behaviorsOf(j.views)
            .filter(({ behavior }) => !isUnknown(() => behavior.realtimeLogConfigArn) && !isDefault(read(() => behavior.realtimeLogConfigArn)))
            .map(({ dist, behavior }): Finding => ({
                code: "edge-realtime-logs",
                message: `distribution ${dist.name}, ${where(behavior)} streams real-time logs to ${String(behavior.realtimeLogConfigArn)}: the pack has no rule for where they go`,
                urn: dist.urn,
            }));
        return [...ofType(j.views, TYPES.distribution).flatMap((d) => loggingFindings(d, buckets, config)), ...realtime];
    },
});

export const edgePolicies = [edgeForwardsRouting, edgeBehaviorsAllowed, edgeCodeGenerated, edgeWebAclPinned, edgeLogsContained];
