/**
 * `cutin-staging-mirrors-primary`: during the cut-in, the staging distribution is the primary's
 * configuration with another origin, nothing else. AWS's own promotion
 * (UpdateDistributionWithStagingConfig) copies the staging distribution's whole configuration
 * onto the primary, except the primary's aliases and policy id, and the weight-based phase serves
 * real viewers from it: a staging distribution without the primary's WAF web ACL, geographic
 * restriction, logging, error responses or default root object serves (and, promoted, leaves)
 * the edge without them. CloudFront Developer Guide, "Use CloudFront continuous deployment to
 * safely test CDN configuration changes", "Update primary and staging distributions"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment.html);
 * the rule itself is lib/cutin.ts `mirrorDifferences` (the edge origin, the behaviors that target
 * it and what only the primary carries may differ).
 *
 * Judged on what the engine presents (the distributions' outputs), over the properties the closed
 * world lists for a distribution (lib/resourceModel.ts).
 */
import { DistributionConfig, mirrorDifferences } from "../lib/cutin";
import { edgeOf, isViewerDistribution } from "../lib/position";
import { RESOURCE_MODEL } from "../lib/resourceModel";
import { ResourceView, TYPES, UNKNOWN, ofType, read } from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";

/** The judged configuration of a distribution as plain data; undefined while part of it is unknown (a preview). */
function configOf(view: ResourceView): DistributionConfig | undefined {
    const judged = Object.keys(RESOURCE_MODEL[TYPES.distribution].props);
    const config = read(
        () => JSON.parse(JSON.stringify(Object.fromEntries(judged.filter((k) => k in view.props).map((k) => [k, view.props[k]])))) as DistributionConfig,
    );
    return config === UNKNOWN || !Array.isArray(config.origins) || !config.defaultCacheBehavior ? undefined : config;
}

export const cutinStagingMirrorsPrimary = stackPolicy({
    name: "cutin-staging-mirrors-primary",
    description:
        "A staging distribution (CloudFront continuous deployment) carries the primary distribution's configuration — web ACL, geographic restriction, logging, error responses, default root object, behaviors, certificate — and differs only in the origin its default cache behavior targets: AWS's promotion copies it onto the primary.",
    severity: "critical",
    remediationSteps:
        "Change the edge through cutin.distribution.args (the CutinEdge derives the staging distribution from the primary's arguments); never edit the staging distribution on its own.",
    check: (j: Judgement) => {
        const staging = ofType(j.views, TYPES.distribution).filter((v) => !isViewerDistribution(v));
        if (staging.length === 0) return [];
        const { primary } = edgeOf(j.views, j.proposed.headers);
        const primaryConfig = primary && configOf(primary);
        if (!primary) return [{ code: "cutin-staging-orphan", message: "a staging distribution exists but no primary distribution viewers reach" }];
        if (!primaryConfig) return [];
        return staging.flatMap((s): Finding[] => {
            const config = configOf(s);
            const differences = config ? mirrorDifferences(primaryConfig, config) : [];
            return differences.length === 0
                ? []
                : [
                      {
                          code: "cutin-staging-differs",
                          message: `staging distribution ${s.name} differs from the primary ${primary.name} in ${differences.join(", ")}: promotion would copy that onto the viewer-facing edge`,
                          urn: s.urn,
                      },
                  ];
        });
    },
});

export const cutinMirrorPolicies = [cutinStagingMirrorsPrimary];
