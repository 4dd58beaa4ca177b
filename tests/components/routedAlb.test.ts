import { strict as assert } from "node:assert";
import * as path from "node:path";
import { FIXTURES, defined } from "../helpers";
import { CLOUDFRONT_PREFIX_LIST_ID, CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID } from "../../tools/plan/mocks";
import type { RoutedAlbOutputs } from "../../lib/contract";
import { plan, resource, resources } from "../planCache";

const T = {
    sg: "aws:ec2/securityGroup:SecurityGroup",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    service: "aws:ecs/service:Service",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    vpcOrigin: "aws:cloudfront/vpcOrigin:VpcOrigin",
} as const;
const DIST = "aws:cloudfront/distribution:Distribution";

describe("RoutedAlb (through mocks)", () => {
    it("is internal by default, in the private subnets, and admits only CloudFront's VPC-origin security group on 443", async () => {
        for (const stack of ["production", "staging"]) {
            const p = await plan(stack);
            const lb = resource(p, T.lb, "alb");
            assert.equal(lb.inputs.internal, true, stack);
            if (stack === "production")
                assert.deepEqual(lb.inputs.subnets, ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60023"]);
            const sg = resource(p, T.sg, "alb-sg");
            // No inline ingress at all: an empty list would make the provider delete the standalone rule.
            assert.equal(sg.inputs.ingress, undefined, stack);
            // Production's existing VPC has a secondary block (the mock's getVpc): the ALB reaches targets in both.
            assert.deepEqual(defined(sg.inputs.egress)[0].cidrBlocks, stack === "production" ? ["10.0.0.0/16", "100.64.0.0/16"] : ["10.40.0.0/16"]);
            const rules = resources(p, T.ingress);
            assert.equal(rules.length, 1, stack);
            const rule = rules[0];
            assert.equal(rule.name, "alb-from-cloudfront");
            assert.match(rule.inputs.securityGroupId, /^sg-/);
            assert.equal(rule.inputs.referencedSecurityGroupId, CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID);
            assert.deepEqual([rule.inputs.ipProtocol, rule.inputs.fromPort, rule.inputs.toPort], ["tcp", 443, 443]);
            for (const key of ["cidrIpv4", "cidrIpv6", "prefixListId"] as const) assert.equal(rule.inputs[key], undefined, key);
            // The group exists only once the VPC origin does: the rule waits for it.
            assert.ok(rule.options.dependsOn.includes(resource(p, T.vpcOrigin, "alb-vpc-origin").urn));
        }
    });

    it("puts a VPC origin in front of the ALB: HTTPS only, TLS 1.2, to the traffic listener, protected in production", async () => {
        const p = await plan("production");
        const lb = resource(p, T.lb, "alb");
        const vo = resource(p, T.vpcOrigin, "alb-vpc-origin");
        const c = vo.inputs.vpcOriginEndpointConfig;
        assert.match(c.arn, /^arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer\/app\//);
        assert.ok(vo.options.dependsOn.includes(lb.urn));
        assert.equal(c.originProtocolPolicy, "https-only");
        assert.deepEqual(c.originSslProtocols, { items: ["TLSv1.2"], quantity: 1 });
        assert.equal(c.httpsPort, 443);
        assert.equal(c.name, "payments-migration-production-alb");
        assert.ok(vo.options.dependsOn.includes(resource(p, T.listener, "alb-https").urn));
        assert.equal(vo.options.protect, true);
        assert.equal(resource(await plan("staging"), T.vpcOrigin, "alb-vpc-origin").options.protect, false);
        // The distribution names it only once the ALB admits CloudFront: it waits for the ingress rule.
        const edge = resource(p, "aws:cloudfront/distribution:Distribution", "edge");
        assert.ok(edge.options.dependsOn.includes(resource(p, T.ingress, "alb-from-cloudfront").urn));
        assert.ok(edge.options.dependsOn.includes(vo.urn));
    });

    it("takes the cut-in's staging distribution, and the primary once promoted, through the same VPC origin", async () => {
        const dir = path.join(FIXTURES, "cutin");
        const header = await plan("production", ["cutin.phase=header"], ["cutin.phase=header"], dir);
        const vo = resource(header, T.vpcOrigin, "alb-vpc-origin");
        const staging = resource(header, DIST, "cutin-staging");
        assert.match(defined(staging.inputs.origins[0].vpcOriginConfig).vpcOriginId, /^alb-vpc-origin-/);
        assert.ok(staging.options.dependsOn.includes(vo.urn));
        // Until promoted the primary keeps the old origin alone (a Beanstalk CNAME over the internet).
        assert.ok(resource(header, DIST, "cutin-primary").inputs.origins.every((o) => o.vpcOriginConfig === undefined));
        const promoted = await plan(
            "production",
            ["cutin.phase=promoted", "cutin.cutinDate=2026-01-05"],
            ["cutin.phase=promoted", "cutin.cutinDate=2026-01-05"],
            dir,
        );
        const routed = resource(promoted, DIST, "cutin-primary").inputs.origins.filter((o) => o.vpcOriginConfig);
        assert.equal(routed.length, 1);
        assert.equal(routed[0].domainName, "origin.payments.example.com");
    });

    it("records the VPC origin and the CloudFront group it resolved, for the pack", async () => {
        const alb = defined(
            (await plan("production")).states.find((r) => r.type === "payments:migration:RoutedAlb"),
            "the RoutedAlb",
        );
        const outputs = alb.outputs as RoutedAlbOutputs;
        assert.equal(outputs.internal, true);
        const vpcOrigin = defined(outputs.cloudFrontVpcOrigin, "cloudFrontVpcOrigin");
        assert.deepEqual(vpcOrigin.securityGroup, {
            id: CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID,
            name: "CloudFront-VPCOrigins-Service-SG",
        });
        assert.match(vpcOrigin.id, /^alb-vpc-origin-/);
        assert.equal(outputs.cloudFrontPrefixList, undefined);
    });

    it("keeps an older stack's internet-facing ALB as it was: public subnets, CloudFront's prefix list on 443, no VPC origin", async () => {
        const p = await plan("production", ["alb.internal=false"], ["alb.internal=false"]);
        const lb = resource(p, T.lb, "alb");
        assert.equal(lb.inputs.internal, false);
        assert.deepEqual(lb.inputs.subnets, ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012", "subnet-0a1b2c3d4e5f60013"]);
        const sg = resource(p, T.sg, "alb-sg");
        assert.equal(sg.inputs.description, "Routed ALB: CloudFront origin-facing addresses only");
        const ingress = defined(sg.inputs.ingress);
        assert.equal(ingress.length, 1);
        const rule = ingress[0];
        assert.deepEqual(rule.prefixListIds, [CLOUDFRONT_PREFIX_LIST_ID]);
        assert.deepEqual([rule.fromPort, rule.toPort], [443, 443]);
        assert.equal(rule.cidrBlocks, undefined);
        assert.equal(resources(p, T.vpcOrigin).length, 0);
        assert.equal(resources(p, T.ingress).length, 0);
    });

    it("drops invalid headers, protects the ALB in production and ignores Beanstalk's tag", async () => {
        const prod = resource(await plan("production"), T.lb, "alb");
        assert.equal(prod.inputs.dropInvalidHeaderFields, true);
        assert.equal(prod.inputs.enableDeletionProtection, true);
        assert.equal(prod.inputs.idleTimeout, 60);
        assert.deepEqual(prod.inputs.accessLogs, { bucket: "example-payments-alb-logs", prefix: "production", enabled: true });
        // ELB checks its write access to the bucket when access logs are enabled: the bucket policy comes first.
        assert.ok(prod.options.dependsOn.includes(resource(await plan("production"), "aws:s3/bucketPolicy:BucketPolicy", "alb-logs").urn));
        assert.equal(prod.options.protect, true);
        assert.ok(prod.options.ignoreChanges.includes('tags["elasticbeanstalk:shared-elb-environment-count"]'));
        const staging = resource(await plan("staging"), T.lb, "alb");
        assert.equal(staging.inputs.enableDeletionProtection, false);
        assert.equal(staging.options.protect, false);
    });

    it("serves HTTPS with a TLS 1.2+ policy and a fixed 403 default; HTTP only redirects", async () => {
        const p = await plan("production");
        const https = resource(p, T.listener, "alb-https");
        assert.equal(https.inputs.protocol, "HTTPS");
        assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        assert.match(defined(https.inputs.certificateArn), /^arn:aws:acm:eu-west-1:/);
        assert.equal(https.inputs.defaultActions[0].type, "fixed-response");
        assert.equal(defined(https.inputs.defaultActions[0].fixedResponse).statusCode, "403");
        const http = resource(p, T.listener, "alb-http");
        assert.deepEqual(http.inputs.defaultActions[0].redirect, { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" });
    });

    it("requires the origin-verify header on every rule, and the QA token on every header route", async () => {
        const p = await plan("production");
        const rules = resources(p, T.rule);
        assert.equal(rules.length, 8);
        for (const r of rules) {
            const conditions = defined(r.inputs.conditions);
            const headers = conditions.flatMap((c) => (c.httpHeader ? [c.httpHeader] : []));
            assert.ok(
                headers.some((h) => h.httpHeaderName === "X-Origin-Verify" && h.values?.[0] === "[secret:origin-verify]"),
                r.name,
            );
            if (r.name.startsWith("alb-qa-")) {
                assert.ok(
                    headers.some((h) => h.httpHeaderName === "X-Route-Token" && h.values?.[0] === "[secret:qa-token]"),
                    r.name,
                );
                assert.ok(headers.some((h) => h.httpHeaderName === "X-Route-To" && h.values?.[0] === r.name.replace("alb-qa-", "")));
                // Testers' addresses are checked at CloudFront: the ALB only ever sees CloudFront's (issue 8.1).
                assert.equal(
                    conditions.some((c) => c.sourceIp),
                    false,
                    r.name,
                );
            }
        }
    });

    it("gives canary rules four target groups, exact weights and short stickiness", async () => {
        const p = await plan("production");
        const catchAll = resource(p, T.rule, "alb-canary-default");
        assert.equal(catchAll.inputs.priority, 40000);
        const forward = defined(catchAll.inputs.actions[0].forward);
        assert.equal(forward.targetGroups.length, 4);
        assert.deepEqual(
            forward.targetGroups.map((g) => g.weight),
            [0, 990, 10, 0],
        );
        assert.deepEqual(forward.stickiness, { enabled: true, duration: 300 });
        assert.equal(catchAll.inputs.tags?.["payments:rule-role"], "catch-all");
        // A weight move or a color flip must stay an update of the forward weights alone: no tag may carry them.
        for (const sets of [
            ["canary.weight=5", "canary.routes[0].weight=10"],
            ["spring.liveColor=green", "legacy.liveColor=blue"],
        ]) {
            const moved = await plan("production", sets);
            for (const r of resources(p, T.rule)) assert.deepEqual(resource(moved, T.rule, r.name).inputs.tags, r.inputs.tags, `${sets.join(" ")}: ${r.name}`);
        }
        const route = p.routing.find((r) => r.name === "route-payment-status")!;
        assert.deepEqual(
            route.targets.map((t) => `${t.side}-${t.color}:${t.percent}`),
            ["legacy-blue:0", "legacy-green:95", "spring-blue:5", "spring-green:0"],
        );
    });

    it("makes weighted rules wait for the Spring services, and attaches target groups without them", async () => {
        const p = await plan("production");
        const services = resources(p, T.service)
            .map((s) => s.urn)
            .sort();
        for (const r of resources(p, T.rule)) {
            const single = defined(r.inputs.actions[0].forward).targetGroups.length === 1;
            const waitsFor = services.filter((s) => r.options.dependsOn.includes(s));
            assert.deepEqual(waitsFor, single ? [] : services, r.name);
            const environments = resources(p, "aws:elasticbeanstalk/environment:Environment").map((e) => e.urn);
            if (!single)
                assert.deepEqual(
                    environments.filter((e) => r.options.dependsOn.includes(e)),
                    environments,
                    r.name,
                );
        }
    });
});
