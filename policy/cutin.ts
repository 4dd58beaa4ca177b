/**
 * The cut-in from the live system (lib/cutin.ts): the edge resources are in exactly one phase
 * (lib/position.ts reads it from the primary's origins, the staging distribution and the
 * continuous deployment policy), move forward one phase and one rung at a time from the deployed
 * phase, CloudFront's continuous deployment limits hold, the Spring canary waits until the edge
 * is promoted (one risk at a time), and the old origin stays one config change away until the
 * promoted cut-in has baked, reachable as the live distribution reached it (Host forwarded over
 * HTTPS). Retiring the old origin is the point of no return: never undone.
 */
import { ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID, ALL_VIEWER_POLICY_ID } from "../lib/cloudfront";
import { COMPONENT_TYPES, CutinEdgeOutputs } from "../lib/contract";
import {
    CD_HEADER_PREFIX,
    DEFAULT_EDGE_LADDER,
    bakeProblem,
    continuousDeploymentProblems,
    cutinMove,
    cutinRemovalProblem,
    edgeShape,
    endProblem,
    isCdHeaderSecret,
    topRungBakeProblems,
} from "../lib/cutin";
import { EdgePosition, Position, springShare } from "../lib/position";
import {
    CacheBehavior,
    ContinuousDeploymentPolicyProps,
    DistributionProps,
    ResourceView,
    TYPES,
    cacheBehaviors,
    itemsOf,
    ofType,
    propsOf,
    read,
    UNKNOWN,
} from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";
import { forwards, policiesOf, targetOf } from "./edge";
import { notToday } from "./clock";
import { BAKE_SCHEMA, BakeConfig, bakeConfigProblems } from "./rollback";
import { rises } from "./traffic";

const describe = (e: EdgePosition) => `${e.phase ?? "no phase"}${e.phase === "weight" || e.phase === "promoting" ? ` ${e.weight}%` : ""}`;

/** The CutinEdge's record of what the position cannot read from AWS resources (the Rails versions on both origins). */
function cutinRecord(j: Judgement): CutinEdgeOutputs | undefined {
    const edges = ofType(j.views, COMPONENT_TYPES.cutinEdge);
    return edges.length === 1 ? (edges[0].props as CutinEdgeOutputs) : undefined;
}

/** The viewers' distribution is a cut-in's (the CutinEdge component's adopted primary). */
const isCutinPrimary = (p: Position) => (p.edge.primary ?? "").includes(COMPONENT_TYPES.cutinEdge);

/** A position's cut-in as lib/cutin's end rules read it. */
const endPoint = (p: Position) => ({ phase: p.edge.phase ?? "adopted", retired: p.edge.oldOrigin === null, ended: p.dates.cutinEnded });

/** A cut-in is under way: the edge has a phase before promoted, or keeps the old origin. */
const inCutin = (p: Position) => p.edge.phase !== "promoted" || p.edge.oldOrigin !== null;

/** The same viewer-facing distribution in both positions (a new one is a new edge, not a move of this one). */
const sameEdge = (j: Judgement) => j.deployed.kind === "state" && j.deployed.position.edge.primary === j.proposed.edge.primary;

/** Why an edge ladder would not hold the edge to small steps. */
export function edgeLadderProblems(ladder: readonly number[]): string[] {
    const rungs = [...ladder].sort((a, b) => a - b);
    const out: string[] = [];
    if ((rungs[0] ?? 100) > 1) out.push(`the edge ladder ${JSON.stringify(ladder)} starts at ${rungs[0]}%: the first rung sends at most 1 % of viewers`);
    for (let i = 1; i < rungs.length; i++)
        if (rungs[i] - rungs[i - 1] > 5) out.push(`the edge ladder steps from ${rungs[i - 1]}% to ${rungs[i]}%: at most 5 points a rung`);
    return out;
}

export const cutinPhaseOrder = stackPolicy<{ edgeLadder: number[] }>({
    name: "cutin-phase-order",
    description:
        "The edge resources are in one cut-in phase (adopted, staged, header, weight, promoting, detached, promoted); the cut-in moves forward one phase at a time and the edge weight one rung at a time from the deployed phase, with both origins serving the same Rails version, retiring the old origin in an update of its own; any move back is allowed.",
    severity: "critical",
    remediationSteps:
        "Use `npm run canary -- cutin next|promote --stack <s>`: each takes one step. Going back (`cutin rollback`) is always allowed until the old origin is retired.",
    configSchema: {
        properties: { edgeLadder: { type: "array", items: { type: "integer", minimum: 1, maximum: 15 }, minItems: 1, default: [...DEFAULT_EDGE_LADDER] } },
    },
    configProblems: ({ edgeLadder }) => edgeLadderProblems(edgeLadder ?? DEFAULT_EDGE_LADDER),
    check: (j) =>
        j.proposed.edge.problem
            ? [{ code: "edge-unjudgeable", message: `the edge resources fit no cut-in phase, so the update is refused: ${j.proposed.edge.problem}` }]
            : [],
    forward: (j, { edgeLadder }) => {
        const to = j.proposed.edge;
        if (to.phase === null) return [];
        if (j.deployed.kind === "unjudgeable") return [{ code: "edge-step-unjudgeable", message: `the cut-in step cannot be judged: ${j.deployed.reason}` }];
        const deployedEdge = j.deployed.kind === "state" ? j.deployed.position : undefined;
        // A deployed cut-in's distribution is the viewers' edge for good: another one in its place deletes it and its hostnames.
        if (deployedEdge && isCutinPrimary(deployedEdge) && !sameEdge(j)) {
            return [{ code: "cutin-removed", message: cutinRemovalProblem(endPoint(deployedEdge)), always: true }];
        }
        const from = deployedEdge && sameEdge(j) ? deployedEdge.edge : undefined;
        if (!from || from.phase === null) {
            // A new edge: a cut-in starts at adopted (the live distribution imported unchanged); a stack's own edge starts promoted.
            return inCutin(j.proposed) && to.phase !== "adopted"
                ? [
                      {
                          code: "edge-starts-late",
                          message: `a cut-in starts at phase adopted (the live distribution and records imported unchanged), not ${to.phase}`,
                      },
                  ]
                : [];
        }
        const move = cutinMove({ phase: from.phase, edgeWeight: from.weight }, { phase: to.phase, edgeWeight: to.weight }, edgeLadder ?? DEFAULT_EDGE_LADDER);
        const out: Finding[] = move.problem ? [{ code: "edge-step", message: move.problem }] : [];
        // Promotion only from the top rung, once it has baked (the time the tool recorded when the edge reached it).
        const d = deployedEdge!.dates;
        const p = j.proposed.dates;
        for (const problem of topRungBakeProblems({
            deployed: { phase: from.phase, edgeWeight: from.weight, topRungAt: d.topRungAt, topRungBakeMinutes: d.topRungBakeMinutes ?? undefined },
            to: { phase: to.phase, edgeWeight: to.weight, topRungAt: p.topRungAt, topRungBakeMinutes: p.topRungBakeMinutes ?? undefined },
            ladder: edgeLadder ?? DEFAULT_EDGE_LADDER,
            now: j.now,
        })) {
            out.push({ code: "edge-top-rung", message: problem });
        }
        const ending = endProblem({ deployed: endPoint(deployedEdge!), record: endPoint(j.proposed) });
        if (ending) out.push({ code: "cutin-end", message: ending });
        const versions = cutinRecord(j)?.railsVersions;
        if (move.direction === "forward" && inCutin(j.proposed) && (!versions || versions.old !== versions.new)) {
            out.push({
                code: "edge-rails-versions",
                message: `the new Beanstalk pair's live color runs ${versions?.new ?? "an unknown version"}, the old live environment ${versions?.old ?? "an unknown version"}: move the edge forward only while both serve the same Rails version`,
            });
        }
        if (from.oldOrigin !== null && to.oldOrigin === null && move.direction !== "same") {
            out.push({
                code: "retire-with-move",
                message: `retire the old origin in an update of its own, not together with a phase move (${describe(from)} → ${describe(to)})`,
            });
        }
        return out;
    },
});

/**
 * A continuous deployment policy sends its share to the staging distributions it names
 * (StagingDistributionDnsNames): only this stack's own staging distribution, the one the mirror
 * and origin rules judge. A name not known yet (a preview creating it) waits.
 */
function stagingNamedFindings(j: Judgement): Finding[] {
    const own = ofType(j.views, TYPES.distribution)
        .filter((d) => read(() => propsOf<DistributionProps>(d).staging) === true)
        .map((d) => read(() => propsOf<DistributionProps>(d).domainName));
    if (own.includes(UNKNOWN)) return [];
    return ofType(j.views, TYPES.continuousDeploymentPolicy).flatMap((p): Finding[] => {
        const items = read(() => propsOf<ContinuousDeploymentPolicyProps>(p).stagingDistributionDnsNames?.items);
        if (items === UNKNOWN) return [];
        const named = itemsOf(items);
        const foreign = named.filter((n): n is string => n !== UNKNOWN && !own.includes(n));
        return foreign.length === 0 && named.length > 0
            ? []
            : [
                  {
                      code: "cd-staging-foreign",
                      message: `continuous deployment policy ${p.name} sends viewers to ${named.length === 0 ? "no staging distribution" : foreign.join(", ")}: only this stack's staging distribution (${own.join(", ") || "none"})`,
                      urn: p.urn,
                  },
              ];
    });
}

export const cutinContinuousDeploymentLimits = stackPolicy({
    name: "cutin-continuous-deployment-limits",
    description:
        "CloudFront continuous deployment as AWS accepts it: at most 15 % by weight, session stickiness idle 300–3600 s, a header named aws-cf-cd-…, no HTTP/3 on a distribution with continuous deployment, and no WAF association change while a policy is attached (CloudFront Developer Guide, continuous deployment quotas and considerations).",
    severity: "critical",
    remediationSteps:
        "Keep cutin.edgeWeight ≤ 15 and the stickiness in range; turn HTTP/3 off (cutin.distribution.args.httpVersion: http2) at phase adopted; change the web ACL only at phase adopted or promoted.",
    check: (j) => {
        const out: Finding[] = [];
        for (const p of ofType(j.views, TYPES.continuousDeploymentPolicy)) {
            const traffic = read(() => propsOf<ContinuousDeploymentPolicyProps>(p).trafficConfig);
            if (traffic === UNKNOWN) continue;
            const report = (m: string) => out.push({ code: "cd-limits", message: `continuous deployment policy ${p.name}: ${m}`, urn: p.urn });
            if (traffic?.type === "SingleWeight") {
                const single = traffic.singleWeightConfig;
                const sticky = single?.sessionStickinessConfig;
                continuousDeploymentProblems({
                    weightPercent: Number(single?.weight) * 100,
                    stickiness: sticky ? { idleSeconds: Number(sticky.idleTtl), maximumSeconds: Number(sticky.maximumTtl) } : undefined,
                }).forEach(report);
                if (!sticky) report("no session stickiness: a viewer's requests would alternate between the two origins");
            } else if (traffic?.type === "SingleHeader") {
                const value = read(() => traffic.singleHeaderConfig?.value);
                if (value !== UNKNOWN && !isCdHeaderSecret(value))
                    report(
                        'the header\'s value is no secret of 16 or more visible characters: whoever guesses it reaches the path not yet approved (pulumi config set --secret --path cutin.header.values.<slot> "$(openssl rand -hex 32)")',
                    );
                if (
                    !String(traffic.singleHeaderConfig?.header ?? "")
                        .toLowerCase()
                        .startsWith(CD_HEADER_PREFIX)
                )
                    report(`header ${traffic.singleHeaderConfig?.header} must start with ${CD_HEADER_PREFIX}`);
            } else {
                report(`unknown traffic config ${JSON.stringify(traffic?.type)}`);
            }
        }
        out.push(...stagingNamedFindings(j));
        const withCd = ofType(j.views, TYPES.distribution).filter(
            (d) => read(() => propsOf<DistributionProps>(d).staging) === true || ofType(j.views, TYPES.continuousDeploymentPolicy).length > 0,
        );
        for (const d of withCd) {
            const version = String(read(() => propsOf<DistributionProps>(d).httpVersion) ?? "http2");
            continuousDeploymentProblems({ httpVersion: version }).forEach((m) =>
                out.push({ code: "cd-http3", message: `distribution ${d.name}: ${m}`, urn: d.urn }),
            );
        }
        return out;
    },
    forward: (j) => {
        // CloudFront refuses to associate or remove a web ACL while a policy is attached.
        if (j.deployed.kind !== "state" || !sameEdge(j)) return [];
        const from = j.deployed.position.edge;
        const to = j.proposed.edge;
        const attached = (e: EdgePosition) => e.phase !== null && edgeShape(e.phase).policy !== undefined;
        if ((attached(from) || attached(to)) && from.webAcl !== to.webAcl) {
            return [
                {
                    code: "cd-waf-change",
                    message: `the primary's web ACL changes (${from.webAcl ?? "none"} → ${to.webAcl ?? "none"}) while a continuous deployment policy is attached: CloudFront refuses it; change it at phase adopted or promoted`,
                },
            ];
        }
        return [];
    },
});

export const cutinOneRiskAtATime = stackPolicy({
    name: "cutin-one-risk-at-a-time",
    description:
        "The Spring canary stays at 0 % until the cut-in is deployed at phase promoted, and the edge moves forward only while Spring serves no public path: the edge move and the implementation move never overlap.",
    severity: "high",
    remediationSteps:
        "Finish the cut-in first (npm run canary -- cutin promote), then start the Spring canary; after a cut-in rollback, lower Spring to 0 % before moving the edge forward again. Lowering Spring's share and moving the edge back are always allowed.",
    forward: (j) => {
        const to = j.proposed.edge;
        const before = j.deployed.kind === "state" ? j.deployed.position : undefined;
        if (!inCutin(j.proposed) && (!before || !inCutin(before))) return [];
        const spring = Math.max(0, ...[...(before?.traffic ?? []), ...j.proposed.traffic].map(springShare).filter(Number.isFinite));
        if (before && sameEdge(j) && before.edge.phase && to.phase) {
            const move = cutinMove({ phase: before.edge.phase, edgeWeight: before.edge.weight }, { phase: to.phase, edgeWeight: to.weight });
            if (move.direction === "forward" && spring > 0) {
                return [
                    {
                        code: "edge-with-spring",
                        message: `the cut-in moves forward (${describe(before.edge)} → ${describe(to)}) while Spring serves up to ${spring}% of a public path: lower the Spring canary to 0 % first (an update of its own)`,
                    },
                ];
            }
        }
        if (to.phase === "promoted" && before?.edge.phase === "promoted") return [];
        const reported = new Set<string>();
        return rises(before?.traffic ?? [], j.proposed.traffic)
            .filter(({ entry }) => !reported.has(entry.rule) && reported.add(entry.rule))
            .map(({ from, entry }) => ({
                code: "spring-before-promotion",
                message: `rule ${entry.rule}: Spring ${from}% → ${springShare(entry)}% while the cut-in is at phase ${to.phase ?? "unknown"}; promote the cut-in first`,
            }));
    },
});

/** Managed origin request policies that forward the viewer's Host header (Developer Guide, "Use managed origin request policies"). */
const HOST_FORWARDING_POLICIES: readonly string[] = [ALL_VIEWER_POLICY_ID, ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID];

/** Whether a behavior passes the viewer's Host header to its origin (origin request policy, or a cache policy keyed on it). */
function forwardsHost(b: CacheBehavior, policies: ReturnType<typeof policiesOf>): boolean {
    if (HOST_FORWARDING_POLICIES.includes(String(b.originRequestPolicyId))) return true;
    const h = policies.origin.get(b.originRequestPolicyId)?.headersConfig;
    if (h && forwards(h.headerBehavior, h.headers?.items, "Host", ["allViewer", "allViewerAndWhitelistCloudFront"])) return true;
    const key = policies.cache.get(b.cachePolicyId)?.parametersInCacheKeyAndForwardedToOrigin?.headersConfig;
    return !!key && forwards(key.headerBehavior, key.headers?.items, "Host", []);
}

/**
 * The old origin stays a working rollback target: over HTTPS, CloudFront accepts the origin's
 * certificate only if it covers the origin domain or the Host header of the origin request
 * (Developer Guide, "HTTP 502 status code (Bad Gateway)", SSL/TLS negotiation failure). The old
 * origin is a Beanstalk CNAME (*.elasticbeanstalk.com, AWS's domain: no certificate of the
 * company's covers it), and its load balancer's certificate covers the viewer hostname: every
 * behavior toward it must forward Host (AllViewer), or every request gets a 502.
 */
function oldOriginHostFindings(j: Judgement): Finding[] {
    const old = j.proposed.edge.oldOrigin;
    if (!old) return [];
    const policies = policiesOf(j.views);
    return ofType(j.views, TYPES.distribution).flatMap((dist: ResourceView) =>
        cacheBehaviors(propsOf<DistributionProps>(dist)).flatMap((b): Finding[] => {
            const origin = targetOf(dist, b);
            const domain = read(() => origin?.domainName);
            if (typeof domain !== "string" || domain.toLowerCase() !== old || origin?.customOriginConfig?.originProtocolPolicy === "http-only") return [];
            if (isUnknownPolicy(b) || forwardsHost(b, policies)) return [];
            return [
                {
                    code: "old-origin-host-dropped",
                    message: `distribution ${dist.name}, ${b.pathPattern === undefined ? "default cache behavior" : `cache behavior ${b.pathPattern}`}: the old origin ${old} gets no viewer Host header over HTTPS, so CloudFront checks its load balancer's certificate against ${old}, which no certificate of yours covers: every request would get a 502 (forward Host: the managed AllViewer policy)`,
                    urn: dist.urn,
                },
            ];
        }),
    );
}

const isUnknownPolicy = (b: CacheBehavior) => read(() => b.originRequestPolicyId) === UNKNOWN || read(() => b.cachePolicyId) === UNKNOWN;

/** Retirement is the point of no return (the runbook terminates the old environments after it). */
function unretireFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "state" || !sameEdge(j)) return [];
    const from = j.deployed.position.edge;
    if (from.phase === "promoted" && from.oldOrigin === null && j.proposed.edge.oldOrigin !== null) {
        return [
            {
                code: "unretire",
                message: `the deployed edge has retired its old origin; the primary names ${j.proposed.edge.oldOrigin} again: retirement is the point of no return — roll back on the routed ALB (Spring and Beanstalk colors) instead`,
                always: true,
            },
        ];
    }
    return [];
}

export const cutinOldOriginRetained = stackPolicy<BakeConfig>({
    name: "cutin-old-origin-retained",
    description:
        "The old origin (the live Beanstalk environment) stays in the primary distribution, unchanged and reachable (every behavior toward it forwards the viewer's Host header, which its load balancer's certificate covers), until the promoted cut-in has baked for cutin.bakeDays since the deployed cutin.cutinDate; the date is recorded only on the day, in the update that promotes; once retirement is deployed it is never undone.",
    severity: "critical",
    remediationSteps:
        "Keep cutin (with cutin.retired false and the old origin as deployed) until the deployed cutinDate + bakeDays (at least the policy's minBakeDays) has passed; then set cutin.retired true in an update of its own. Let `cutin promote` record cutin.cutinDate.",
    configSchema: BAKE_SCHEMA,
    configProblems: bakeConfigProblems,
    check: (j) => [...oldOriginHostFindings(j), ...unretireFindings(j)],
    forward: (j, config) => {
        const out: Finding[] = [];
        const d = j.deployed.kind === "state" ? j.deployed.position : undefined;
        const date = j.proposed.dates.cutinDate;
        const deployedEdge = d && sameEdge(j) ? d : undefined;
        if (date && date !== (deployedEdge?.dates.cutinDate ?? null)) {
            const day = notToday("cutin.cutinDate", date, j.today);
            if (day) out.push({ code: "cutin-date-not-today", message: day });
            if (j.proposed.edge.phase !== "promoted")
                out.push({
                    code: "cutin-date-early",
                    message: `cutin.cutinDate ${date} is recorded at phase ${j.proposed.edge.phase}: record it in the update that moves to promoted`,
                });
        } else if (date && deployedEdge && deployedEdge.edge.phase !== "promoted" && j.proposed.edge.phase === "promoted" && date !== j.today) {
            // The bake counts one continuous stay promoted: a rollback below promoted may keep the date (judged on
            // forward moves only), the next promotion records today's (red team C class 10).
            out.push({
                code: "cutin-date-stale",
                message: `cutin.cutinDate ${date} was recorded before the deployed cut-in went back to phase ${deployedEdge.edge.phase}: this promotion restarts the bake, record today's (${j.today})`,
            });
        }
        if (!d || d.edge.oldOrigin === null) return out;
        const bake = () =>
            j.proposed.edge.phase !== "promoted"
                ? `the cut-in is at phase ${j.proposed.edge.phase}, not promoted`
                : bakeProblem({
                      phase: d.edge.phase ?? "adopted",
                      cutinDate: d.dates.cutinDate ?? undefined,
                      bakeDays: Math.max(j.proposed.dates.cutinBakeDays ?? 0, config.minBakeDays ?? 14),
                      today: j.today,
                  });
        // Another viewer distribution (the cut-in dropped from config) keeps no old origin of this edge.
        const now = sameEdge(j) ? j.proposed.edge.oldOrigin : null;
        if (now !== d.edge.oldOrigin) {
            const why = bake();
            if (why) {
                out.push({
                    code: now === null ? "old-origin-forgotten" : "old-origin-changed",
                    message:
                        now === null
                            ? `the old origin would be forgotten while ${why}`
                            : `the old origin changes (${d.edge.oldOrigin} → ${now}) while ${why}: the rollback target is the environment the live distribution used`,
                });
            }
        }
        return out;
    },
});

export const cutinPolicies = [cutinPhaseOrder, cutinContinuousDeploymentLimits, cutinOneRiskAtATime, cutinOldOriginRetained];
