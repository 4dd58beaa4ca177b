import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { RecordedComponent } from "./recorded";
import { CLOUDFRONT_HOSTED_ZONE_ID } from "../lib/cloudfront";
import { COMPONENT_TYPES, CutinEdgeOutputs } from "../lib/contract";
import { CutinPhase, DistributionConfig, continuousDeploymentProblems, defaultOriginOf, edgeShape, primaryConfigAt, stagingConfigOf } from "../lib/cutin";
import { RoutedEdgeArgs, aliasRecord, routedOrigin } from "./edgeDistribution";

export interface AdoptedRecord {
    zoneId: string;
    name: string;
    type: "A" | "AAAA";
    alias: { name: string; zoneId: string; evaluateTargetHealth: boolean };
}

export interface CutinEdgeArgs {
    phase: CutinPhase;
    /** Percent to the staging distribution in the weight-based phases (0–15). */
    edgeWeight: number;
    stickiness: { idleSeconds: number; maximumSeconds: number };
    /**
     * Header-based policy: the header (aws-cf-cd-…, the sent slot's) and its value, a secret
     * (stored encrypted in the state; a header-based phase needs it). @default value: none
     */
    header: { name: string; value?: pulumi.Input<string> };
    /** "import": take the live distribution and records over with Pulumi's import option. */
    adoption: "import" | "managed";
    /** The live distribution: its id and its arguments exactly as `pulumi import` prints them. */
    distribution: {
        id: string;
        args: DistributionConfig;
    };
    /** The hostname records (aliases of the live distribution), adopted unchanged. */
    records: AdoptedRecord[];
    /** The old Beanstalk application (read with getApplication, never declared). @default none: the cut-in has ended, nothing old is read */
    oldApplication?: string;
    /** The routed ALB as an origin: the same definition the EdgeDistribution component uses. */
    routed: RoutedEdgeArgs;
    /** The origin name's alias record to the ALB (as EdgeDistribution's originDns). @default none */
    originDns?: { zoneId: string; name: string; target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> } };
    cutinDate?: string;
    bakeDays: number;
    topRungAt?: string;
    topRungBakeMinutes: number;
    retired: boolean;
    /** The cut-in is over: this component stays, under the same resource names, as the stack's permanent edge. @default false */
    ended?: boolean;
    /** Rails version labels of the old live environment and of the new pair's live color (same during the cut-in). @default none once the old pair is forgotten */
    railsVersions?: { old: string; new: string };
    /** Protect the adopted distribution and records (they carry all viewer traffic). */
    protect: boolean;
    tags?: Record<string, string>;
}

/**
 * The edge during and after the cut-in: the live distribution (adopted, never recreated)
 * stays the viewer-facing primary, and CloudFront continuous deployment moves viewers onto
 * the routed ALB in phases (lib/cutin.ts): a staging distribution whose origin is the ALB,
 * a continuous deployment policy on the primary (header-based, then weight-based), then the
 * primary's own origin becomes the ALB and the policy and staging distribution go. Until
 * the old origin is retired, the primary goes back to it by `cutin.phase` alone. Once the
 * cut-in has ended (`cutin.ended`) this component stays, under the same resource names, as the
 * stack's permanent edge: renaming would delete the distribution and records every viewer uses
 * (docs/cutin-end.md).
 */
export class CutinEdge extends RecordedComponent {
    public readonly primary: aws.cloudfront.Distribution;
    public readonly staging?: aws.cloudfront.Distribution;
    public readonly policy?: aws.cloudfront.ContinuousDeploymentPolicy;
    public readonly domainName: pulumi.Output<string>;
    public readonly oldOrigin: { originId: string; domainName: string };

    constructor(name: string, args: CutinEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        const shape = edgeShape(args.phase);
        const adopted = args.distribution.args;
        const oldOrigin = defaultOriginOf(adopted);
        if (!oldOrigin) {
            throw new Error(`CutinEdge ${name}: the live distribution's default cache behavior targets no declared origin`);
        }
        // Checked here as well as in config: CloudFront rejects these only after minutes of deployment.
        const problems = shape.policy
            ? continuousDeploymentProblems({
                  headerName: args.header.name,
                  weightPercent: shape.policy.traffic === "weight" ? args.edgeWeight : undefined,
                  stickiness: args.stickiness,
                  httpVersion: String(adopted.httpVersion ?? "http2"),
              })
            : [];
        if (problems.length > 0) throw new Error(`CutinEdge ${name} at phase ${args.phase}: ${problems.join("; ")}`);
        super(COMPONENT_TYPES.cutinEdge, name, {}, opts);
        this.oldOrigin = { originId: oldOrigin.originId, domainName: String(oldOrigin.domainName) };

        // One derivation for both distributions (lib/cutin.ts): the staging distribution is the
        // primary with the routed ALB as its origin, so the two edge paths treat a viewer alike
        // and AWS's own promotion (UpdateDistributionWithStagingConfig) copies back only the origin.
        const origin = routedOrigin(args.routed);
        const primaryConfig = primaryConfigAt(adopted, args.phase, { origin, viewerFilterArn: args.routed.viewerFilterArn });
        if (shape.staging) {
            this.staging = new aws.cloudfront.Distribution(
                `${name}-staging`,
                { ...(stagingConfigOf(primaryConfig, origin) as unknown as aws.cloudfront.DistributionArgs), tags: args.tags },
                { parent: this },
            );
            this.policy = this.continuousDeploymentPolicy(name, args, this.staging);
        }

        // The primary: the live distribution as imported, with what the phase changes.
        const primaryArgs: aws.cloudfront.DistributionArgs = {
            ...(primaryConfig as unknown as aws.cloudfront.DistributionArgs),
            ...(this.policy ? { continuousDeploymentPolicyId: this.policy.id } : {}),
        };
        this.primary = new aws.cloudfront.Distribution(`${name}-primary`, primaryArgs, {
            parent: this,
            protect: args.protect,
            ...(args.adoption === "import" ? { import: args.distribution.id } : {}),
        });
        this.domainName = this.primary.domainName;

        // The hostnames already point at the live distribution, which stays the primary: adopted, unchanged.
        args.records.forEach((r, i) =>
            aliasRecord(
                `${name}-record-${i}-${r.type.toLowerCase()}`,
                {
                    zoneId: r.zoneId,
                    name: r.name,
                    type: r.type,
                    target: { dnsName: r.alias.name, zoneId: r.alias.zoneId, evaluateTargetHealth: r.alias.evaluateTargetHealth },
                },
                {
                    parent: this,
                    protect: args.protect,
                    // Route 53's import id: <zone>_<name>_<type> (@pulumi/aws route53.Record docs).
                    ...(args.adoption === "import" ? { import: `${r.zoneId}_${r.name}_${r.type}` } : {}),
                },
            ),
        );
        if (args.originDns) {
            aliasRecord(
                `${name}-origin-a`,
                { zoneId: args.originDns.zoneId, name: args.originDns.name, type: "A", target: args.originDns.target },
                { parent: this },
            );
        }

        // The old application is read (an invoke), never declared: the program cannot modify or delete it.
        const oldApplication = args.oldApplication ? aws.elasticbeanstalk.getApplicationOutput({ name: args.oldApplication }, { parent: this }).name : null;

        const outputs: CutinEdgeOutputs = {
            phase: args.phase,
            edgeWeight: args.edgeWeight,
            oldOrigin: args.retired ? null : this.oldOrigin,
            cutinDate: args.cutinDate ?? null,
            bakeDays: args.bakeDays,
            topRungAt: args.topRungAt ?? null,
            topRungBakeMinutes: args.topRungBakeMinutes,
            retired: args.retired,
            ended: args.ended === true,
            ...(args.railsVersions ? { railsVersions: args.railsVersions } : {}),
        };
        this.registerOutputs({ ...outputs, primaryId: this.primary.id, oldApplication, cloudFrontZone: CLOUDFRONT_HOSTED_ZONE_ID });
    }

    /** The continuous deployment policy on the primary, sending to `staging` by header or by weight as the phase says. */
    private continuousDeploymentPolicy(name: string, args: CutinEdgeArgs, staging: aws.cloudfront.Distribution): aws.cloudfront.ContinuousDeploymentPolicy {
        const policy = edgeShape(args.phase).policy!;
        return new aws.cloudfront.ContinuousDeploymentPolicy(
            `${name}-policy`,
            {
                enabled: policy.enabled,
                stagingDistributionDnsNames: { items: [staging.domainName], quantity: 1 },
                trafficConfig:
                    policy.traffic === "header"
                        ? headerTrafficConfig(args.header.name, headerValue(name, args))
                        : {
                              type: "SingleWeight",
                              singleWeightConfig: {
                                  // CloudFront takes a fraction (0–0.15): a whole percent / 100 (5 % is 0.05).
                                  weight: args.edgeWeight / 100,
                                  sessionStickinessConfig: { idleTtl: args.stickiness.idleSeconds, maximumTtl: args.stickiness.maximumSeconds },
                              },
                          },
            },
            { parent: this },
        );
    }
}

/** The header-based policy's value; config requires it at the header-based phases, so its absence here is a program error. */
function headerValue(name: string, args: CutinEdgeArgs): pulumi.Input<string> {
    if (args.header.value === undefined) throw new Error(`CutinEdge ${name} at phase ${args.phase}: the header-based policy needs the header's secret value`);
    return args.header.value;
}

/**
 * The header-based traffic config. The value is a secret (testers' pass to the new path at phase
 * header): stored encrypted in the state and shown as [secret] by previews, whether the config
 * value was secure or not.
 */
export function headerTrafficConfig(header: string, value: pulumi.Input<string>) {
    return { type: "SingleHeader", singleHeaderConfig: { header, value: pulumi.secret(value) } };
}
