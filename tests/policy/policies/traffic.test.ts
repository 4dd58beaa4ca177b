/**
 * Red team A: the ALB and its routing, ECS/Fargate, Elastic Beanstalk, and Pulumi resource
 * options on them. Each case is one unsafe change a real program edit or config change could
 * produce (a plan: `--set`s and/or an edit of the planned resource states as the engine presents
 * them), judged against a deployment; an unsafe case must be refused (some mandatory code), a
 * move toward the known-good position must pass (no code at all).
 *
 * A failing "unsafe" case is a finding: the pack LETS IT THROUGH. Those are kept failing on
 * purpose (REDTEAM-A.md lists them with the rule that would close each class).
 *
 * Fixture: production (Spring blue live at 1 % catch-all / 5 % on /v1/payments/*\/status, green
 * idle on an older image; Rails green live, blue idle; both colors warm; stickiness 300 s).
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../../tools/plan/run";
import { Judged, T, UNKNOWN, added, against, codes, deployment, mutated, planOf, prop, setProp, update, withStickiness, withTaskEnvironment } from "../harness";

/** Set REDTEAM_VERBOSE=1 to print each case's codes (the report is written from them). */
const VERBOSE = process.env.REDTEAM_VERBOSE === "1";

async function judged(p: PlanRun, title: string, opts: Judged = {}): Promise<Record<string, string[]>> {
    const found = await codes(p, opts);
    if (VERBOSE) console.log(`      [redteam] ${title}: ${JSON.stringify(found)}`);
    return found;
}

/** An unsafe change: some mandatory violation (any policy, any code). */
async function refused(p: PlanRun, title: string, opts: Judged = {}): Promise<void> {
    const found = await judged(p, title, opts);
    assert.ok(Object.keys(found).length > 0, `LET THROUGH: the pack raises no mandatory violation for: ${title}`);
}

/** A move toward the known-good position: no violation at all. */
async function passes(p: PlanRun, title: string): Promise<void> {
    assert.deepEqual(await judged(p, title), {}, `a rollback was refused: ${title}`);
}

/** A code change: an edit of the resource states of the deployed config's own plan (deployed = known-good = the fixture). */
async function codeChange(change: Parameters<typeof mutated>[1], sets: readonly string[] = []): Promise<PlanRun> {
    return mutated(await update(sets, { from: sets }), change);
}

const move = (to: PlanRun, from: PlanRun, knownGood?: PlanRun | null) => against(to, deployment(from, knownGood));

type Setting = { namespace: string; name: string; value: string; resource?: string };
const PROCESS = "aws:elasticbeanstalk:environment:process:default";

/** Edit a Beanstalk environment's settings (inputs and outputs), as a code change of the pair would. */
function editSettings(env: PlannedResourceState, edit: (settings: Setting[]) => Setting[]): void {
    setProp(env, "settings", edit(structuredClone(prop<Setting[]>(env, "settings"))));
}
const upsert = (settings: Setting[], add: Setting[]) => [
    ...settings.filter((s) => !add.some((a) => a.namespace === s.namespace && a.name === s.name)),
    ...add.map((a) => ({ resource: "", ...a })),
];

type Target = { arn: string; weight: number };
/** Set a rule's forward weights, in the fixture's target order: legacy-blue, legacy-green, spring-blue, spring-green. */
function setWeights(rule: PlannedResourceState, weights: readonly number[]): void {
    const targets = structuredClone(prop<Target[]>(rule, "actions.0.forward.targetGroups"));
    assert.equal(targets.length, weights.length);
    setProp(
        rule,
        "actions.0.forward.targetGroups",
        targets.map((t, i) => ({ ...t, weight: weights[i] })),
    );
}

const IMAGE = (tag: string) => `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:${tag}`;
/** Spring 100 % on every path (the last rung), as deployed and confirmed. */
const ALL_SPRING = ["canary.weight=100", "canary.routes[0].weight=100"];

describe("red team A: ALB routing, ECS/Fargate, Beanstalk, resource options", function () {
    this.timeout(180000);

    // -----------------------------------------------------------------------------------------
    describe("class 1: health checks AWS accepts that cannot see a failure in time", () => {
        it("1.1 Spring target group: every health-check knob at its slowest in-range value (50 min to take a dead task out)", async () => {
            // ELB User Guide, "Health checks for Application Load Balancer target groups": a target is
            // marked unhealthy after UnhealthyThresholdCount consecutive failures, HealthCheckIntervalSeconds
            // apart: 10 x 300 s = 50 min of requests sent to a dead task; a new task needs 10 x 300 s to
            // become healthy, so an ECS rolling update (minimum healthy 100 %) of a release or of a
            // rollback-by-image waits 50 min before it moves. Each value is inside AWS's range.
            const p = await codeChange((find) => {
                const tg = find(T.tg, "spring-blue-tg");
                setProp(tg, "healthCheck", { ...prop<object>(tg, "healthCheck"), interval: 300, timeout: 120, healthyThreshold: 10, unhealthyThreshold: 10 });
            });
            await refused(p, "1.1 Spring TG health check 10 x 300 s");
        });

        it("1.2 Beanstalk live color: the process health check at its slowest in-range values", async () => {
            // Elastic Beanstalk Developer Guide, "aws:elasticbeanstalk:environment:process:default":
            // HealthCheckInterval 5-300, HealthCheckTimeout 1-60, Healthy/UnhealthyThresholdCount 2-10.
            // Rails green serves 99 % of payments: a hung Puma worker keeps receiving traffic for 50 min.
            const p = await codeChange((find) =>
                editSettings(find(T.env, "legacy-green"), (s) =>
                    upsert(s, [
                        { namespace: PROCESS, name: "HealthCheckInterval", value: "300" },
                        { namespace: PROCESS, name: "HealthCheckTimeout", value: "60" },
                        { namespace: PROCESS, name: "HealthyThresholdCount", value: "10" },
                        { namespace: PROCESS, name: "UnhealthyThresholdCount", value: "10" },
                    ]),
                ),
            );
            await refused(p, "1.2 Beanstalk process health check 10 x 300 s");
        });

        it("1.3 Beanstalk live color: IgnoreHealthCheck=true (deployments no longer cancel on failed health checks)", async () => {
            // Elastic Beanstalk Developer Guide, "General options for all environments",
            // aws:elasticbeanstalk:command IgnoreHealthCheck: do not cancel a deployment due to failed
            // health checks. The Immutable policy's safety is exactly that cancellation: with it off a
            // Rails version that fails its health check replaces the instances serving 99 % of payments.
            const p = await codeChange((find) =>
                editSettings(find(T.env, "legacy-green"), (s) =>
                    upsert(s, [{ namespace: "aws:elasticbeanstalk:command", name: "IgnoreHealthCheck", value: "true" }]),
                ),
            );
            await refused(p, "1.3 Beanstalk IgnoreHealthCheck=true");
        });

        it("1.4 ECS health-check grace of 2 h (config): the circuit breaker is blind for two hours", async () => {
            // ECS API Reference, CreateService healthCheckGracePeriodSeconds: "the Amazon ECS service
            // scheduler ignores unhealthy Elastic Load Balancing ... health checks after a task has first
            // started". For 2 h no failing task is replaced and none counts toward the deployment circuit
            // breaker, so a bad image is neither rolled back nor replaced; JVM warm-up needs ~2 min.
            await refused(await update(["spring.healthCheckGraceSeconds=7200"]), "1.4 healthCheckGraceSeconds 7200");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 2: connection lifecycle between CloudFront, the ALB and the targets", () => {
        it("2.1 ALB idle timeout of 2 s (config, CloudFront keep-alive lowered to 1 s to fit)", async () => {
            // ELB User Guide, "Edit attributes for your Application Load Balancer", connection idle
            // timeout: the ALB closes a target connection with no data sent or received for that long.
            // A card authorisation that takes longer than 2 s before its first response byte gets a 504.
            await refused(await update(["alb.idleTimeoutSeconds=2", "edge.originKeepaliveSeconds=1"]), "2.1 ALB idle timeout 2 s");
        });

        it("2.2 Tomcat keep-alive shorter than the ALB idle timeout (spring.environment override)", async () => {
            // Same page: "configure the idle timeout of your application to be larger than the idle
            // timeout configured for the load balancer. Otherwise ... the load balancer sends an HTTP 502
            // Bad Gateway error". The program sets 75 s (60 + 15); spring.environment overrides it.
            // Config may not name it (lib/config.ts: the program sets it); a program change that does is refused by the pack.
            await assert.rejects(update(["spring.environment.SERVER_TOMCAT_KEEPALIVETIMEOUT=20s"]), /spring\.environment\.SERVER_TOMCAT_KEEPALIVETIMEOUT/);
            await refused(withTaskEnvironment(await update([]), { SERVER_TOMCAT_KEEPALIVETIMEOUT: "20s" }), "2.2 Tomcat keep-alive 20 s < ALB 60 s");
        });

        it("2.3 Spring draining of 5 s, shorter than the 30 s CloudFront waits for a response", async () => {
            // ELB User Guide, "Deregistration delay": in-flight requests get the delay to complete, then
            // the target is removed. Every ECS rolling update, scale-in or task replacement cuts each
            // payment request still running after 5 s (CloudFront's origin read timeout is 30 s).
            await refused(await update(["spring.deregistrationDelaySeconds=5"]), "2.3 Spring deregistration 5 s");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 3: the ALB can no longer reach the serving targets (or they cannot reach anything)", () => {
        it("3.1 the live color's security group admits the other color's group instead of the ALB's (copy-paste)", async () => {
            // VPC User Guide, security group rules: only the referenced group's members may connect.
            // The ALB's health checks and requests to blue:8080 time out: blue is unhealthy, every
            // Spring request on both routes fails.
            const p = await codeChange((find) => {
                const sg = find(T.sg, "spring-blue-sg");
                const green = String(prop(find(T.sg, "spring-green-sg"), "id"));
                setProp(sg, "ingress", [{ ...prop<object[]>(sg, "ingress")[0], securityGroups: [green] }]);
            });
            await refused(p, "3.1 spring-blue-sg admits spring-green-sg");
        });

        it("3.2 the live service runs in the ALB's own security group (one of the stack's groups)", async () => {
            // The ALB's group admits only CloudFront's VPC-origin group on 443: the ALB cannot open
            // blue:8080, so the serving color is unreachable.
            const p = await codeChange((find) => {
                const svc = find(T.service, "spring-blue");
                const alb = String(prop(find(T.sg, "alb-sg"), "id"));
                setProp(svc, "networkConfiguration", { ...prop<object>(svc, "networkConfiguration"), securityGroups: [alb] });
            });
            await refused(p, "3.2 spring-blue in alb-sg");
        });

        it("3.3 the 'All outbound 0.0.0.0/0' egress removed from the live color's group (looks like hardening)", async () => {
            // EC2 User Guide, security group rules: with no egress rule nothing leaves the task: no
            // database, no card processor, no Secrets Manager, no ECR pull for a replacement task.
            const p = await codeChange((find) => setProp(find(T.sg, "spring-blue-sg"), "egress", []));
            await refused(p, "3.3 spring-blue-sg egress removed");
        });

        it("3.4 the live service pinned to one private subnet (one Availability Zone)", async () => {
            // ECS Developer Guide, "Amazon ECS task placement": Fargate spreads tasks across the AZs of
            // the subnets given; one subnet is one AZ, so an AZ impairment takes the serving color whole.
            const p = await codeChange((find) => {
                const svc = find(T.service, "spring-blue");
                const net = prop<{ subnets: string[] }>(svc, "networkConfiguration");
                setProp(svc, "networkConfiguration", { ...net, subnets: [net.subnets[0]] });
            });
            await refused(p, "3.4 spring-blue in one subnet");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 4: routing the position does not model", () => {
        it("4.1 the catch-all moved to the port-80 listener (its listenerArn): the HTTPS listener 403s every other path", async () => {
            // ELB User Guide, "Listener rules": a rule belongs to one listener. Port 80 is the redirect
            // listener no security group opens; on 443 only the path route and QA rules remain, so
            // every request outside /v1/payments/*/status gets the listener's default fixed 403.
            // The rules are grouped by their RoutedAlb parent, not by listener, so the pack still sees
            // "one catch-all, last". As the preview presents it: listenerArn forces a replacement
            // (terraform-provider-aws aws_lb_listener_rule listener_arn ForceNew), so the new rule's
            // arn and id are unknown.
            const p = await codeChange((find) => {
                const http = String(prop(find(T.listener, "alb-http"), "arn"));
                const rule = find(T.rule, "alb-canary-default");
                setProp(rule, "listenerArn", http);
                rule.outputs.arn = UNKNOWN;
                rule.outputs.id = UNKNOWN;
            });
            await refused(p, "4.1 catch-all on the port-80 listener");
        });

        it("4.2 the Spring share split across both colors: the idle color takes public payments without a flip", async () => {
            // ELB User Guide, "Listener rules", forward action: each target group gets weight/total.
            // Spring's total share is unchanged (1 %), so no rung is skipped, but half of it now reaches
            // the idle green color (an older image, or the release under QA), unconfirmed.
            const p = await codeChange((find) => setWeights(find(T.rule, "alb-canary-default"), [0, 990, 5, 5]));
            await refused(p, "4.2 Spring share split blue/green");
        });

        it("4.3 the Rails share split across both colors: the idle Rails color (previous version) serves half of payments", async () => {
            const p = await codeChange((find) => setWeights(find(T.rule, "alb-canary-default"), [495, 495, 10, 0]));
            await refused(p, "4.3 Rails share split blue/green");
        });

        it("4.4 stickiness of 1 s on the public forwards: on in name, off in effect", async () => {
            // ELB User Guide, "Target group stickiness" (group level): duration 1-604800 s. At 1 s a
            // payment flow's requests land on Rails and Spring alternately, which stickiness-off
            // (refused) would do too.
            await refused(withStickiness(await update([]), 1), "4.4 stickiness 1 s");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 5: what runs is not what was released through the idle color", () => {
        it("5.1 the live service runs a task definition outside the stack (its taskDefinition ARN)", async () => {
            // ECS API Reference, UpdateService taskDefinition: "the family and revision ... of the task
            // definition to run". The position reads each color's image from the stack's own task
            // definitions and strips the service's taskDefinition: the serving color now runs whatever
            // payments-debug:7 holds (image, roles, privileged...), judged by nothing.
            const p = await codeChange((find) =>
                setProp(find(T.service, "spring-blue"), "taskDefinition", "arn:aws:ecs:eu-west-1:111111111111:task-definition/payments-debug:7"),
            );
            await refused(p, "5.1 spring-blue runs an outside task definition");
        });

        it("5.2 the live service runs the idle color's task definition (copy-paste): blue serves green's older image", async () => {
            const p = await codeChange((find) => {
                const green = String(prop(find(T.td, "spring-green-task"), "arn"));
                setProp(find(T.service, "spring-blue"), "taskDefinition", green);
            });
            await refused(p, "5.2 spring-blue runs green's task definition");
        });

        it("5.3 a new image rolled straight into the live Spring color (no QA on the idle color, no flip)", async () => {
            // ECS rolling update: the serving color's tasks are replaced with 1.5.0; the only copy of
            // 1.4.0 that served is gone, so going back is another rolling deployment, not a weight change.
            await refused(await update([`spring.blue.image=${IMAGE("1.5.0")}`]), "5.3 new image on live spring-blue");
        });

        it("5.4 a new Rails version deployed onto the live Beanstalk color (99 % of payments)", async () => {
            // Elastic Beanstalk UpdateEnvironment VersionLabel: deploys onto the environment serving
            // 99 %; the idle blue color (the release path with a QA route) is bypassed.
            await refused(await update(["legacy.green.versionLabel=rails-2026.12.0"]), "5.4 new version on live legacy-green");
        });

        it("5.5 the same new image onto both Spring colors in one update: no color keeps the serving release", async () => {
            await refused(await update([`spring.blue.image=${IMAGE("1.5.0")}`, `spring.green.image=${IMAGE("1.5.0")}`]), "5.5 new image on both colors");
        });

        it("5.6 the serving color's image pinned by a tag instead of its digest (the same release, 'more readable')", async () => {
            // ECR User Guide, "Image tag mutability": a mutable tag can be pushed again to another image.
            // The position (and the known-good pointer) then names a tag: the next task replacement or a
            // rollback to the known-good position runs whatever the tag points at by then. The digest
            // requirement lives in the program's config (spring.requireDigest), not in the pack.
            const D = (hex: string) => `@sha256:${hex.repeat(64)}`;
            const pinned = [`spring.blue.image=${IMAGE("1.4.0")}${D("a")}`, `spring.green.image=${IMAGE("1.3.7")}${D("b")}`];
            const p = await update([`spring.blue.image=${IMAGE("1.4.0")}`, pinned[1]], { from: pinned });
            await refused(p, "5.6 live image by tag instead of digest");
        });
    });

    // -----------------------------------------------------------------------------------------
    // -----------------------------------------------------------------------------------------
    describe("class 6: ECS deployment mechanics", () => {
        it("6.1 deploymentMaximumPercent 101 with 3 tasks: every rolling deployment deadlocks", async () => {
            // ECS API Reference, DeploymentConfiguration: maximumPercent is "rounded down", minimum
            // healthy "rounded up": floor(3 x 1.01) = 3 tasks at most, ceil(3 x 1.00) = 3 must stay
            // running, so no new task can start: releases and image rollbacks on that color never move.
            const p = await codeChange((find) => setProp(find(T.service, "spring-blue"), "deploymentMaximumPercent", 101));
            await refused(p, "6.1 maximumPercent 101");
        });

        it("6.2 the live service on FARGATE_SPOT (capacity provider strategy, cost saving)", async () => {
            // ECS Developer Guide, "Fargate capacity providers": Spot tasks are stopped with a two-minute
            // warning whenever capacity is reclaimed, all at once in a reclaim wave.
            const p = await codeChange((find) => {
                const svc = find(T.service, "spring-blue");
                setProp(svc, "launchType", undefined);
                setProp(svc, "capacityProviderStrategies", [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }]);
            });
            await refused(p, "6.2 FARGATE_SPOT");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 7: the rollback target cannot absorb the traffic a rollback sends it", () => {
        // Resolution (lead): a color is a rollback target when the known-good position serves it. Shrinking
        // one is refused (known-good-kept); shrinking an idle color nothing rolls back to is idle-color-warm's
        // minimum, by design, and what it endangers — a later flip onto it — is refused until it has the
        // capacity of the color it takes over from (capacity-before-traffic).
        it("7.1 the idle Rails color shrunk to 1 instance while live serves 99 % on 3: the flip onto it is refused", async () => {
            // ELB: a flip moves the whole share in seconds; Beanstalk (EC2 Auto Scaling) needs minutes to add instances.
            const shrunk = ["legacy.blue.minInstances=1"];
            await refused(await update([...shrunk, "legacy.liveColor=blue"], { from: shrunk }), "7.1 flip onto a 1-instance Rails color");
            // The known-good position serves blue (a Rails release flipped, not yet confirmed): shrinking it is refused.
            await refused(await update(shrunk, { from: ["legacy.liveColor=blue"], knownGood: ["legacy.liveColor=blue"] }), "7.1 shrink the known-good color");
        });

        it("7.2 at Spring 100 %, the idle Spring color shrunk to 1 task: the flip onto it is refused", async () => {
            const shrunk = [...ALL_SPRING, "spring.green.desiredCount=1"];
            await refused(await update([...shrunk, "spring.liveColor=green"], { from: shrunk }), "7.2 flip onto a 1-task Spring color at 100 %");
        });

        it("7.3 during the bake at Spring 100 %, the retained Beanstalk pair shrunk to 1 instance a color while the known-good position sends it traffic", async () => {
            // The retained pair is the migration's rollback target: a rollback sends the Rails share back in seconds.
            const p = await update([...ALL_SPRING, "legacy.minInstances=1"], { from: ALL_SPRING, knownGood: [] });
            await refused(p, "7.3 retained pair 1 instance, known-good at Spring 1 %");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 8: Pulumi resource options", () => {
        it("8.1 ignoreChanges taskDefinition on a Spring service (the classic 'CI owns the task definition')", async () => {
            const p = await codeChange((find) => (find(T.service, "spring-blue").options.ignoreChanges = ["taskDefinition"]));
            await refused(p, "8.1 ignoreChanges taskDefinition");
        });

        it("8.2 ignoreChanges desiredCount on the idle Spring service ('autoscaling owns it')", async () => {
            const p = await codeChange((find) => (find(T.service, "spring-green").options.ignoreChanges = ["desiredCount"]));
            await refused(p, "8.2 ignoreChanges desiredCount");
        });

        it("8.3 an explicit provider named like the engine's default one (another region)", async () => {
            // Pulumi: an explicit provider is an ordinary resource; anything given `provider:` it is
            // created in its region/account, where the ARNs the pack reads (target groups, listener)
            // name nothing. The closed world's provider rule is a name prefix ("default").
            const p = await codeChange((_f, states) => states.push(added("pulumi:providers:aws", "default-us-east-1", { region: "us-east-1" })));
            await refused(p, "8.3 provider named default-us-east-1");
        });

        // Resolution (lead): not closable in the pack. The analyzer protocol carries no retainOnDelete (nor import,
        // replaceOnChanges, transforms), and engine-side transforms run after the program's guard. Kept as a
        // record of the blind spot: docs/threat-model.md lists it; review of the program is the control.
        it.skip("8.4 retainOnDelete on the path route, set by a `transforms` callback the program's guard never sees (skipped: the analyzer protocol carries no retainOnDelete and engine transforms run after the program's guard; review is the control)", async () => {
            // @pulumi/pulumi: `transforms` run in the engine at RegisterResource, after the SDK-side stack
            // transformation (components/positionRecord.ts ResourceCapture) has checked the options, and
            // the analyzer protocol does not carry retainOnDelete. When the route is later removed from
            // config the rule stays in AWS, still sending 5 % of /status to Spring, and no rollback to
            // 0 % reaches it.
            const p = await codeChange((find) => (find(T.rule, "alb-route-payment-status").options.retainOnDelete = true));
            await refused(p, "8.4 retainOnDelete on a listener rule");
        });

        it("8.5 protect removed from the ALB's CloudFront VPC origin (the only way into the internal ALB)", async () => {
            // CloudFront Developer Guide, "Restrict access with VPC origins": an internal ALB is reached
            // only through its VPC origin; deleting it cuts every viewer off. Only the ALB, listeners,
            // services, environments and viewer distributions count as protected rollback targets.
            const p = await codeChange((find) => (find("aws:cloudfront/vpcOrigin:VpcOrigin", "alb-vpc-origin").options.protect = false));
            await refused(p, "8.5 VPC origin unprotected");
        });

        it("8.6 protect removed from the idle Beanstalk environment before the bake", async () => {
            const p = await codeChange((find) => (find(T.env, "legacy-blue").options.protect = false));
            await refused(p, "8.6 legacy-blue unprotected");
        });

        it("8.7 a rollback flip onto a color scaled up in the same update, with the rules' dependency on it dropped in code", async () => {
            // Known-good: Spring green live (2 tasks). Deployed: blue live, green emptied to 0 tasks. The
            // move back flips to green and scales it to 2: safe only because the rule waits for green's
            // service (dependsOn; the provider waits for steady state). Without the dependency the engine
            // updates the rule and the service in parallel: the ALB sends the Spring share to a target
            // group with no registered targets (ELB User Guide: 503) for the minutes a JVM task needs.
            // dependsOn is no coordinate, so the move still counts as back and capacity-order is excused.
            const known = await planOf(["spring.liveColor=green"]);
            const dropped = mutated(known, (find) => {
                const green = find(T.service, "spring-green").urn;
                for (const rule of ["alb-canary-default", "alb-route-payment-status"].map((n) => find(T.rule, n)))
                    rule.options.dependsOn = rule.options.dependsOn.filter((u) => u !== green);
            });
            const p = move(dropped, await planOf(["spring.green.desiredCount=0"]), known);
            await refused(p, "8.7 rollback flip without the rules' dependency on the scaled color");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 9: ALB and target-group attributes outside the model", () => {
        it("9.1 mutual TLS (verify) on the HTTPS listener: CloudFront presents no client certificate", async () => {
            // ELB User Guide, "Mutual authentication with TLS": in verify mode a client without a
            // certificate from the trust store fails the handshake: every request through CloudFront.
            const p = await codeChange((find) =>
                setProp(find(T.listener, "alb-https"), "mutualAuthentication", {
                    mode: "verify",
                    trustStoreArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:truststore/partners/0123456789abcdef",
                }),
            );
            await refused(p, "9.1 listener mTLS verify");
        });

        it("9.2 X-Forwarded-For removed by the ALB: every payment looks like it comes from one address", async () => {
            // ELB User Guide, "X-Forwarded-For header", processing mode remove: the apps' fraud and
            // rate-limit rules keyed on the client address see none (or CloudFront's) for every request.
            const p = await codeChange((find) => setProp(find(T.lb, "alb"), "xffHeaderProcessingMode", "remove"));
            await refused(p, "9.2 ALB xffHeaderProcessingMode remove");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 10: TLS identity between CloudFront and the ALB", () => {
        it("10.1 the HTTPS listener gets a certificate for another name (the staging one, pasted)", async () => {
            // CloudFront Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront"
            // (origin): CloudFront checks that the origin's certificate covers the origin domain (or the
            // forwarded Host); otherwise it returns 502 for every request. The pack judges the TLS policy
            // of the listener, never what its certificate covers.
            const p = await update(["alb.certificateArn=arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000099"]);
            await refused(p, "10.1 listener certificate for another name");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("class 11: irreversible steps taken while the known-good position still needs what they destroy", () => {
        it("11.1 the next Spring release overwrites the known-good color before the last flip is confirmed", async () => {
            // Deployed: release 1.5.0 flipped live on green, not confirmed; known-good: blue live on
            // 1.4.0. Releasing 1.6.0 onto idle blue destroys the only copy of the known-good release:
            // the rollback is no longer a flip (SYSTEM.md: "keep the old color as the rollback target").
            const flipped = [`spring.green.image=${IMAGE("1.5.0")}`, "spring.liveColor=green"];
            const p = await update([...flipped, `spring.blue.image=${IMAGE("1.6.0")}`], { from: flipped, knownGood: [] });
            await refused(p, "11.1 Spring release onto the unconfirmed known-good color");
        });

        it("11.2 the next Rails release overwrites the known-good Beanstalk color before the last flip is confirmed", async () => {
            // Deployed: rails-2026.12.0 flipped live on blue, not confirmed; known-good: green live on
            // rails-2026.11.2. Deploying rails-2026.12.1 onto green (the idle color) leaves no
            // environment running the known-good version.
            const flipped = ["legacy.blue.versionLabel=rails-2026.12.0", "legacy.liveColor=blue"];
            const p = await update([...flipped, "legacy.green.versionLabel=rails-2026.12.1"], { from: flipped, knownGood: [] });
            await refused(p, "11.2 Rails release onto the unconfirmed known-good color");
        });

        it("11.3 the Beanstalk pair decommissioned after the bake, though Spring 100 % was never confirmed as known-good", async () => {
            // The bake counts from migration.cutoverDate on the deployed position only; the known-good
            // position still routes 99 % to Rails. Elastic Beanstalk TerminateEnvironment is final (the
            // shared ALB loses the environments' rules and target groups): the known-good position can
            // never be reached again.
            const cut = ["migration.cutoverDate=2026-11-20"];
            const p = await update(["legacy.decommissioned=true", "legacy.protect=false", ...ALL_SPRING, ...cut], {
                from: [...ALL_SPRING, ...cut],
                knownGood: [],
            });
            await refused(p, "11.3 decommission with an unconfirmed cutover", { today: "2026-12-20" });
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("rollbacks: moves toward the known-good position pass, even from a deployed position that breaks a policy", () => {
        it("R1 canary 10 % back to the known-good 1 %, with a deployed Spring draining over the bound", async () => {
            const BAD = "spring.deregistrationDelaySeconds=900"; // zero-downtime-rollout and rollback-time-bounded
            await passes(await update([BAD], { from: ["canary.weight=10", BAD], knownGood: [BAD] }), "R1 canary 10 -> 1 with draining 900 s");
        });

        it("R2 the Rails live color flipped back to the known-good green", async () => {
            await passes(await update([], { from: ["legacy.liveColor=blue"], knownGood: [] }), "R2 Rails flip back");
        });

        it("R3 a release that rode a flip and a canary step undone in one update", async () => {
            const release = [`spring.green.image=${IMAGE("1.5.0")}`, "spring.liveColor=green", "canary.weight=5"];
            await passes(await update([], { from: release, knownGood: [] }), "R3 release + flip + step undone");
        });

        it("R4 a partial move back, by degrees on both routes", async () => {
            const p = await update(["canary.weight=5", "canary.routes[0].weight=10"], {
                from: ["canary.weight=25", "canary.routes[0].weight=25"],
                knownGood: [],
            });
            await passes(p, "R4 25/25 -> 5/10 toward 1/5");
        });

        it("R5 the idle Spring color's untested image reverted to the known-good one", async () => {
            await passes(await update([], { from: [`spring.green.image=${IMAGE("1.5.0")}`], knownGood: [] }), "R5 idle image reverted");
        });

        it("R6 canary back to 1 % while the deployed Rails idle color deploys AllAtOnce (kept, not worsened)", async () => {
            const allAtOnce = (p: PlanRun) =>
                mutated(p, (find) =>
                    editSettings(find(T.env, "legacy-blue"), (s) =>
                        upsert(s, [{ namespace: "aws:elasticbeanstalk:command", name: "DeploymentPolicy", value: "AllAtOnce" }]),
                    ),
                );
            const known = allAtOnce(await planOf([]));
            const p = move(known, allAtOnce(await planOf(["canary.weight=5"])), known);
            await passes(p, "R6 canary 5 -> 1 with deployed AllAtOnce");
        });

        it("R7 an emptied idle Spring color partly restored toward the known-good capacity", async () => {
            await passes(await update(["spring.green.desiredCount=1"], { from: ["spring.green.desiredCount=0"], knownGood: [] }), "R7 idle 0 -> 1 toward 2");
        });

        it("R8 the idle Rails color's new version reverted to the known-good one", async () => {
            await passes(await update([], { from: ["legacy.blue.versionLabel=rails-2026.12.0"], knownGood: [] }), "R8 idle Rails version reverted");
        });

        it("R9 a flip back onto the known-good color that is scaled back up in the same update (dependency intact)", async () => {
            // The safe twin of 8.7: the rules wait for the color's service, so traffic moves after capacity.
            const known = await planOf(["spring.liveColor=green"]);
            await passes(move(known, await planOf(["spring.green.desiredCount=0"]), known), "R9 flip back with capacity restored");
        });
    });
});
