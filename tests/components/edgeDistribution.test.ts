import { strict as assert } from "node:assert";
import { EdgeDistribution } from "../../components/edgeDistribution";
import { ALL_VIEWER_EXCEPT_HOST_POLICY_ID, CACHING_DISABLED_POLICY_ID } from "../../lib/cloudfront";
import { parseStackConfig } from "../../lib/config";
import { PROJECT, stackRaw } from "../helpers";
import { plan, resource, resources } from "../planCache";

const DIST = "aws:cloudfront/distribution:Distribution" as const;

describe("EdgeDistribution (through mocks)", () => {
    it("never caches the API and forwards every header but Host, every cookie and query string", async () => {
        const p = await plan("production");
        const d = resource(p, DIST, "edge");
        const b = d.inputs.defaultCacheBehavior;
        assert.equal(b.cachePolicyId, CACHING_DISABLED_POLICY_ID);
        assert.deepEqual([...b.allowedMethods].sort(), ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
        assert.equal(b.viewerProtocolPolicy, "redirect-to-https");
        // The managed AllViewerExceptHostHeader policy: the only way Authorization reaches the
        // origin on GETs with caching disabled (a custom policy naming it is rejected).
        assert.equal(b.originRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_POLICY_ID);
        assert.equal(ALL_VIEWER_EXCEPT_HOST_POLICY_ID, "b689b0a8-53d0-40ab-baf2-68738e2966ac");
        assert.equal(p.resources.filter((r) => r.type === "aws:cloudfront/originRequestPolicy:OriginRequestPolicy").length, 0);
    });

    it("adds the origin-verify header and keeps origin keep-alive below the ALB idle timeout", async () => {
        const d = resource(await plan("production"), DIST, "edge");
        const origin = d.inputs.origins[0];
        assert.deepEqual(origin.customHeaders, [{ name: "X-Origin-Verify", value: "[secret:origin-verify]" }]);
        assert.equal(origin.vpcOriginConfig?.originKeepaliveTimeout, 5);
        assert.equal(origin.vpcOriginConfig?.originReadTimeout, 30);
        // An internet-facing ALB (a stack deployed before VPC origins) keeps the custom origin, same timeouts.
        const legacy = resource(await plan("production", ["alb.internal=false"], ["alb.internal=false"]), DIST, "edge").inputs.origins[0];
        assert.equal(legacy.vpcOriginConfig, undefined);
        assert.equal(legacy.customOriginConfig?.originKeepaliveTimeout, 5);
        assert.equal(legacy.customOriginConfig?.originReadTimeout, 30);
    });

    it("production: HTTPS to its own origin name, aliases with a us-east-1 certificate and TLS 1.2+", async () => {
        const d = resource(await plan("production"), DIST, "edge");
        assert.equal(d.inputs.origins[0]!.domainName, "origin.payments.example.com");
        // Through the ALB's VPC origin, which speaks HTTPS only (tests/components/routedAlb.test.ts).
        assert.equal(d.inputs.origins[0]!.customOriginConfig, undefined);
        assert.match(d.inputs.origins[0]!.vpcOriginConfig?.vpcOriginId ?? "", /^alb-vpc-origin-/);
        assert.deepEqual(d.inputs.aliases, ["api.payments.example.com"]);
        assert.match(d.inputs.viewerCertificate.acmCertificateArn ?? "", /:acm:us-east-1:/);
        assert.equal(d.inputs.viewerCertificate.minimumProtocolVersion, "TLSv1.2_2021");
        assert.equal(d.inputs.viewerCertificate.sslSupportMethod, "sni-only");
    });

    it("staging: HTTPS to its own origin name too (the origin-verify secret never crosses the internet in clear text), default certificate", async () => {
        const d = resource(await plan("staging"), DIST, "edge");
        assert.equal(d.inputs.origins[0]!.domainName, "origin.staging.payments.example.com");
        assert.match(d.inputs.origins[0]!.vpcOriginConfig?.vpcOriginId ?? "", /^alb-vpc-origin-/);
        const legacy = resource(await plan("staging", ["alb.internal=false"], ["alb.internal=false"]), DIST, "edge");
        assert.equal(legacy.inputs.origins[0]!.customOriginConfig?.originProtocolPolicy, "https-only");
        assert.equal(d.inputs.viewerCertificate.cloudfrontDefaultCertificate, true);
    });

    it("rejects aliases without a certificate at construction", async () => {
        const model = parseStackConfig(stackRaw("production"), PROJECT, "production");
        assert.throws(
            () =>
                new EdgeDistribution("bad", {
                    edge: { ...model.edge, certificateArn: undefined },
                    routingHeaders: [],
                    protect: false,
                    tags: {},
                    routed: {
                        originDomain: "o.example.com",
                        originVerifyHeader: "X-Origin-Verify",
                        originVerifyValue: "x",
                        originKeepaliveSeconds: 5,
                        originReadTimeoutSeconds: 30,
                    },
                }),
            /aliases api.payments.example.com need a us-east-1 ACM certificate/,
        );
    });

    it("points the origin name at the ALB and each alias at the distribution when the zones are given", async () => {
        const p = await plan("production");
        const records = resources(p, "aws:route53/record:Record");
        assert.deepEqual(records.map((r) => r.name).sort(), ["edge-origin-a", "viewer-dns-0-a", "viewer-dns-0-aaaa"]);
        const origin = resource(p, "aws:route53/record:Record", "edge-origin-a").inputs;
        assert.equal(origin.name, "origin.payments.example.com");
        assert.equal(origin.type, "A");
        assert.match(origin.aliases?.[0].name ?? "", /\.elb\.amazonaws\.com$/);
        assert.equal(origin.aliases?.[0].zoneId, "Z32O12XQLNTSW2");
        const alias = resource(p, "aws:route53/record:Record", "viewer-dns-0-aaaa").inputs;
        assert.deepEqual([alias.name, alias.type, alias.aliases?.[0].zoneId], ["api.payments.example.com", "AAAA", "Z2FDTNDATAQYW2"]);
        assert.match(alias.aliases?.[0].name ?? "", /\.cloudfront\.net$/);
        assert.equal(resources(await plan("staging"), "aws:route53/record:Record").length, 0);
    });
});
