/**
 * Issue 8: what real AWS requires of the plan (items 1–6, 10, 11 and the first-deploy order).
 * Each case reads the fixture stacks' plans (tests/fixtures), never the committed stack files.
 */
import { strict as assert } from "node:assert";
import { exactlyOneTargetGroup } from "../components/legacyBeanstalkPair";
import { BEANSTALK_LISTENER_PORT, TRAFFIC_PORT } from "../components/routedAlb";
import { ConfigError, parseStackConfig } from "../lib/config";
import { PlanInputError, runPlan } from "../tools/plan/run";
import { loadStackConfig } from "../tools/plan/stackFile";
import { FIXTURES, PROJECT, defined, stackRaw, withValue } from "./helpers";
import { InputsOf, plan, resource, resources } from "./planCache";

const T = {
    rule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    env: "aws:elasticbeanstalk/environment:Environment",
    version: "aws:elasticbeanstalk/applicationVersion:ApplicationVersion",
    dist: "aws:cloudfront/distribution:Distribution",
    fn: "aws:cloudfront/function:Function",
    record: "aws:route53/record:Record",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    policy: "aws:iam/rolePolicy:RolePolicy",
    service: "aws:ecs/service:Service",
    lb: "aws:lb/loadBalancer:LoadBalancer",
} as const;
const STACKS = ["staging", "production"] as const;

type Environment = { name: string; inputs: InputsOf<typeof T.env> };
type Setting = NonNullable<Environment["inputs"]["settings"]>[number];

function settingsList(env: Environment): Setting[] {
    return defined(env.inputs.settings, `${env.name}: settings`);
}

function settings(env: Environment): Record<string, Setting> {
    return Object.fromEntries(settingsList(env).map((s) => [`${s.namespace}/${s.name}`, s]));
}

/** A fixture stack's config with one project key edited (for values `--set` cannot express). */
function edited(stack: string, key: string, edit: (value: Record<string, unknown>) => void) {
    const loaded = loadStackConfig(FIXTURES, stack);
    const value = JSON.parse(loaded.config[`${PROJECT}:${key}`]) as Record<string, unknown>;
    edit(value);
    return { ...loaded, config: { ...loaded.config, [`${PROJECT}:${key}`]: JSON.stringify(value) } };
}

function firstDeploy(stack: string) {
    return plan(`${stack}`, [], [], FIXTURES).then(() => runPlan({ stack, dir: FIXTURES, firstDeploy: true }));
}

describe("first contact with real AWS (issue 8)", () => {
    it("8.1 QA routes: no ALB rule matches on a source address; CloudFront restricts testers with a viewer-request function", async () => {
        for (const stack of STACKS) {
            const p = await plan(stack);
            for (const r of resources(p, T.rule)) assert.ok(!defined(r.inputs.conditions).some((c) => c.sourceIp), `${stack} ${r.name}`);
            const fn = resource(p, T.fn, "qa-viewer-filter");
            assert.equal(fn.inputs.runtime, "cloudfront-js-2.0");
            assert.equal(fn.inputs.publish, true);
            assert.match(fn.inputs.code, /var V4 = \[\[/);
            const behavior = resources(p, T.dist)[0].inputs.defaultCacheBehavior;
            const associations = defined(behavior.functionAssociations, "functionAssociations");
            assert.equal(associations.length, 1);
            assert.equal(associations[0].eventType, "viewer-request");
        }
        // Without testers' ranges there is nothing to restrict at the edge: no function.
        const open = await runPlan({ stack: "production", dir: FIXTURES, loaded: edited("production", "qa", (qa) => delete qa.sourceCidrs) });
        assert.equal(resources(open, T.fn).length, 0);
        assert.deepEqual(resources(open, T.dist)[0].inputs.defaultCacheBehavior.functionAssociations, []);
    });

    it("8.2 a stack that creates the Beanstalk application declares the versions its environments name, before them", async () => {
        const p = await plan("staging");
        const versions = resources(p, T.version);
        assert.deepEqual(
            versions.map((v) => [v.inputs.name, v.inputs.bucket, v.inputs.key]),
            [["rails-2026.11.2", "example-payments-staging-releases", "rails/rails-2026.11.2.zip"]],
        );
        for (const env of resources(p, T.env)) {
            assert.equal(env.inputs.version, "rails-2026.11.2");
            assert.ok(env.options.dependsOn.includes(versions[0].urn), `${env.name} waits for its version`);
        }
        // An existing application (production) gets its versions from the release pipeline: none declared.
        assert.equal(resources(await plan("production"), T.version).length, 0);
        assert.throws(
            () => parseStackConfig(withValue(stackRaw("staging"), "legacy.sourceBundle", undefined), PROJECT, "staging"),
            (e: unknown) =>
                e instanceof ConfigError &&
                /legacy.sourceBundle = \(not set\): expected \{ bucket, keyPrefix \} with legacy.createApplication: true/.test(e.message),
        );
    });

    it("8.3 shared-ALB settings: only SharedLoadBalancer and SecurityGroups in aws:elbv2:loadbalancer; settings in the form Beanstalk echoes", async () => {
        for (const stack of STACKS) {
            for (const env of resources(await plan(stack), T.env)) {
                const s = settings(env);
                assert.deepEqual(
                    Object.keys(s)
                        .filter((k) => k.startsWith("aws:elbv2:loadbalancer/"))
                        .sort(),
                    ["aws:elbv2:loadbalancer/SecurityGroups", "aws:elbv2:loadbalancer/SharedLoadBalancer"],
                );
                assert.ok(
                    settingsList(env).every((x) => x.resource === ""),
                    `${env.name}: every setting names resource ""`,
                );
                const subnets = s["aws:ec2:vpc/Subnets"].value.split(",");
                assert.deepEqual(subnets, [...subnets].sort(), `${env.name}: subnets sorted`);
            }
        }
    });

    it("8.4 the platform is resolved (newest match), never pinned, and managed updates own it after creation", async () => {
        const p = await plan("production");
        const [blue, green] = ["legacy-blue", "legacy-green"].map((n) => resource(p, T.env, n));
        for (const env of [blue, green]) {
            assert.equal(env.inputs.solutionStackName, "64bit Amazon Linux 2023 v4.7.1 running Ruby 3.3", "the mock's answer to getSolutionStack");
            assert.deepEqual([...env.options.ignoreChanges].sort(), ["platformArn", "solutionStackName"]);
            assert.equal(settings(env)["aws:elasticbeanstalk:managedactions/ManagedActionsEnabled"].value, "true");
        }
        const window = (e: Environment) => settings(e)["aws:elasticbeanstalk:managedactions/PreferredStartTime"].value;
        assert.notEqual(window(blue), window(green), "the two colors never update in the same window");
        const arn = "arn:aws:elasticbeanstalk:eu-west-1::platform/Ruby 3.3 running on 64bit Amazon Linux 2023/4.7.1";
        const byArn = await runPlan({ stack: "production", dir: FIXTURES, loaded: edited("production", "legacy", (l) => (l.platform = { platformArn: arn })) });
        for (const env of resources(byArn, T.env)) {
            assert.equal(env.inputs.platformArn, arn);
            assert.equal(env.inputs.solutionStackName, undefined);
        }
    });

    it("8.5 viewer DNS waits for the distribution and the catch-all rule, and takes an existing record over only when told", async () => {
        const p = await plan("production");
        const catchAll = resource(p, T.rule, "alb-canary-default");
        const records = resources(p, T.record).filter((r) => r.name.startsWith("viewer-dns-"));
        assert.equal(records.length, 2);
        for (const r of records) {
            assert.ok(r.options.dependsOn.includes(catchAll.urn), r.name);
            assert.ok(r.options.dependsOn.includes(resource(p, T.dist, "edge").urn), r.name);
            assert.equal(r.inputs.allowOverwrite, false, "no silent take-over of a live record");
        }
        const takeOver = await plan("production", ["edge.aliasRecordsTakeOver=true"]);
        assert.ok(
            resources(takeOver, T.record)
                .filter((r) => r.name.startsWith("viewer-dns-"))
                .every((r) => r.inputs.allowOverwrite === true),
        );
    });

    it("8.6 every stack is HTTPS to the origin; Beanstalk's rules sit on a listener no security group opens", async () => {
        for (const stack of STACKS) {
            const p = await plan(stack);
            // The internal ALB's one ingress rule is a resource of its own (CloudFront's VPC-origin group exists only after the VPC origin).
            const opened = [
                ...(resource(p, T.sg, "alb-sg").inputs.ingress ?? []),
                ...resources(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs),
            ].map((i) => [i.fromPort, i.toPort]);
            assert.deepEqual(opened, [[TRAFFIC_PORT, TRAFFIC_PORT]], stack);
            for (const env of resources(p, T.env)) {
                const listenerKeys = Object.keys(settings(env)).filter((k) => k.startsWith("aws:elbv2:listener:"));
                assert.deepEqual(listenerKeys, [`aws:elbv2:listener:${BEANSTALK_LISTENER_PORT}/Rules`], `${stack} ${env.name}`);
                assert.notEqual(BEANSTALK_LISTENER_PORT, TRAFFIC_PORT);
            }
            const https = resource(p, T.listener, "alb-https");
            assert.equal(https.inputs.protocol, "HTTPS");
            // Every rule of ours is on the reachable listener and requires the origin-verify header.
            for (const r of resources(p, T.rule)) {
                assert.ok(
                    defined(r.inputs.conditions).some((c) => c.httpHeader?.httpHeaderName === "X-Origin-Verify"),
                    r.name,
                );
            }
            // Through the VPC origin, which speaks HTTPS only to the HTTPS listener.
            const vpcOrigin = resource(p, "aws:cloudfront/vpcOrigin:VpcOrigin", "alb-vpc-origin").inputs.vpcOriginEndpointConfig;
            assert.deepEqual([vpcOrigin.originProtocolPolicy, vpcOrigin.httpsPort], ["https-only", TRAFFIC_PORT], stack);
            for (const d of resources(p, T.dist)) {
                for (const o of d.inputs.origins) assert.ok(o.vpcOriginConfig?.vpcOriginId, `${stack} ${o.originId}`);
            }
        }
        assert.throws(
            () => parseStackConfig(withValue(stackRaw("staging"), "alb.certificateArn", undefined), PROJECT, "staging"),
            (e: unknown) => e instanceof ConfigError && /alb.certificateArn = \(not set\): expected an ACM certificate ARN \(required/.test(e.message),
        );
    });

    it("8.10 a change that would replace a live resource is refused before anything is declared, with the safe way", async () => {
        for (const [set, message] of [
            ["spring.containerPort=9090", /spring container port of blue 8080 → 9090: blue is the live Spring color.*set spring.green.containerPort/],
            ["legacy.port=8080", /legacy.port 80 → 8080: Beanstalk would replace/],
            ["legacy.application=payments-api-2", /legacy.application payments-api → payments-api-2/],
        ] as const) {
            await assert.rejects(runPlan({ stack: "production", dir: FIXTURES, sets: [set] }), (e: unknown) => {
                assert.ok(e instanceof PlanInputError, String(e));
                assert.match(e.message, message);
                // Only the stack's reference to its own deployed state was read: nothing declared.
                assert.equal(e.resourcesRegistered, 1);
                return true;
            });
        }
        // Through the idle color it is allowed: production's live Spring color is blue.
        const idle = await plan("production", ["spring.green.containerPort=9090"]);
        assert.equal(resource(idle, "aws:lb/targetGroup:TargetGroup", "spring-green-tg").inputs.port, 9090);
        assert.equal(resource(idle, "aws:lb/targetGroup:TargetGroup", "spring-blue-tg").inputs.port, 8080);
    });

    it("8.11 alarm periods, read timeout quota, execution-role policy first, log-delivery bucket policy, target group lookup", async () => {
        const raw = stackRaw("production");
        for (const [key, value, message] of [
            ["health.periodSeconds", 30, /health.periodSeconds = 30: expected a multiple of 60 seconds/],
            ["edge.originReadTimeoutSeconds", 90, /edge.originReadTimeoutSeconds = 90: expected at most 60 unless the CloudFront quota/],
        ] as const) {
            assert.throws(
                () => parseStackConfig(withValue(raw, key, value), PROJECT, "production"),
                (e: unknown) => e instanceof ConfigError && message.test(e.message),
            );
        }
        assert.equal(
            parseStackConfig(withValue(withValue(raw, "edge.originReadTimeoutSeconds", 90), "edge.originReadTimeoutQuotaRaised", true), PROJECT, "p").edge
                .originReadTimeoutSeconds,
            90,
        );

        const p = await plan("production");
        for (const color of ["blue", "green"]) {
            const td = resource(p, T.td, `spring-${color}-task`);
            assert.ok(
                td.options.dependsOn.includes(resource(p, T.policy, `spring-${color}-execution`).urn),
                `${color}: task definition waits for the execution policy`,
            );
        }
        const bucketPolicy = resource(p, "aws:s3/bucketPolicy:BucketPolicy", "alb-logs");
        const document = bucketPolicy.inputs.policy;
        assert.ok(typeof document === "string", "the bucket policy is JSON text");
        const statement = (JSON.parse(document) as { Statement: { Action: string; Principal: { AWS: string }; Resource: string }[] }).Statement[0];
        assert.deepEqual([statement.Action, statement.Principal.AWS], ["s3:PutObject", "arn:aws:iam::156460612806:root"]);
        assert.match(statement.Resource, /\/production\/AWSLogs\/\*$/);
        assert.ok(resource(p, T.lb, "alb").options.dependsOn.includes(bucketPolicy.urn));

        assert.equal(exactlyOneTargetGroup(["arn:tg"], "e-1", "legacy-blue"), "arn:tg");
        assert.throws(() => exactlyOneTargetGroup([], "e-1", "legacy-blue"), /found 0; set legacy.targetGroupArns.blue and .green/);
        assert.throws(() => exactlyOneTargetGroup(["a", "b"], "e-1", "legacy-blue"), /found 2: a, b/);
    });

    describe("first `pulumi up`: the creation order (npm run plan -- --first-deploy)", () => {
        for (const stack of STACKS) {
            it(`${stack}: versions before environments, compute before weighted routing, viewer DNS last`, async () => {
                const p = await firstDeploy(stack);
                const steps = p.creationOrder!;
                assert.ok(steps.length > 3);
                const stepOf = (name: string, type?: string) => {
                    const s = steps.find((x) => x.resources.some((r) => r.name === name && (!type || r.type === type)));
                    assert.ok(s, `${name} is created`);
                    return s.step;
                };
                const last = steps[steps.length - 1].step;
                for (const env of ["legacy-blue", "legacy-green"]) {
                    for (const v of steps.flatMap((s) => s.resources).filter((r) => r.type === T.version)) {
                        assert.ok(stepOf(v.name) < stepOf(env, T.env), `${v.name} before ${env}`);
                    }
                    assert.ok(stepOf(env, T.env) < stepOf("alb-canary-default"), `${env} before the catch-all`);
                }
                for (const svc of ["spring-blue", "spring-green"]) {
                    assert.ok(stepOf(`alb-qa-${svc}`) < stepOf(svc, T.service), `${svc}: its target group is attached first`);
                    assert.ok(stepOf(svc, T.service) < stepOf("alb-canary-default"), `${svc} before the catch-all`);
                }
                const dns = steps.flatMap((s) => s.resources).filter((r) => r.name.startsWith("viewer-dns-"));
                if (stack === "production") {
                    assert.equal(dns.length, 2);
                    for (const r of dns) assert.equal(stepOf(r.name), last, `${r.name} is in the last step`);
                    assert.deepEqual(
                        steps[steps.length - 1].resources.map((r) => r.name).sort(),
                        dns.map((r) => r.name).sort(),
                        "nothing else waits that long",
                    );
                    assert.ok(stepOf("alb-canary-default") < last);
                } else {
                    assert.equal(dns.length, 0, "staging has no viewer names of its own");
                }
            });
        }
    });
});
