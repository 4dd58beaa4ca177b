/**
 * Red team C (issue 17): classes of unsafe change that neither red team A (traffic.test.ts),
 * red team B (edge.test.ts) nor issue 17's list named. Each case is a change a real update could
 * carry (a `--set` of the production fixture, an edit of the planned resource states as the engine
 * presents them to a stack policy, or a deployed / known-good position passed explicitly), judged
 * by the whole pack.
 *
 * - An unsafe case must be refused: some mandatory violation (`codes(p)` not empty). A case the
 *   pack lets through FAILS here, and the failure is the finding (docs/redteam/c.md lists each one
 *   with the smallest rule that would close its class).
 * - A rollback (a move toward the known-good position, some from a deployed position that already
 *   breaks a policy) must pass: `codes(p)` is `{}`.
 * - A control assertion inside a case shows the same change refused where the pack does look
 *   (a forward move, known values), so what lets the case through is the mechanism the class names.
 *
 * Fixture: production (Spring blue live at 1 % on the catch-all and 5 % on /v1/payments/*\/status,
 * green idle on an older image; Rails green live, blue idle; stickiness 300 s). Deployed and
 * known-good are the fixture's own unless a case says otherwise. Set REDTEAM_VERBOSE=1 to print each
 * case's codes and how lib/compare.ts orders the move.
 */
import { strict as assert } from "node:assert";
import { PlannedResourceState } from "../../../tools/plan/run";
import { T, UNKNOWN, copyOf, mutated, planOf, positionOfPlan, prop, setProp, update, withStickiness } from "../harness";
import { Edit, codeChange, exported, judged, move, passes, refused, stackOf } from "./cases";

const TYPE = {
    stack: "pulumi:pulumi:Stack",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    composite: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    record: "aws:route53/record:Record",
} as const;

// ---------------------------------------------------------------------------
// Building cases (judging: ./cases.ts)

function find(states: readonly PlannedResourceState[], type: string, name: string): PlannedResourceState {
    const s = states.find((r) => r.type === type && r.name === name);
    if (!s) throw new Error(`no ${type} named ${name}`);
    return s;
}

/** An edit that removes one resource from the program (the engine deletes it). */
const drop =
    (type: string, name: string): Edit =>
    (_f, states) => {
        states.splice(states.indexOf(find(states, type, name)), 1);
    };

/** Every occurrence of `value` (a generated secret) in the states' outputs becomes unknown: a preview of its replacement. */
function unknownEverywhere(states: PlannedResourceState[], value: string): void {
    const walk = (v: unknown): unknown =>
        v === value
            ? UNKNOWN
            : Array.isArray(v)
              ? v.map(walk)
              : v && typeof v === "object"
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
                : v;
    for (const s of states) s.outputs = walk(s.outputs) as Record<string, unknown>;
}

interface Container {
    name: string;
    image: string;
    essential?: boolean;
    environment?: { name: string; value: string }[];
    command?: string[];
    logConfiguration?: unknown;
}
/** Edit a task definition's container definitions (a JSON string, inputs and outputs). */
function editContainers(td: PlannedResourceState, edit: (containers: Container[]) => void): void {
    const containers = JSON.parse(prop<string>(td, "containerDefinitions")) as Container[];
    edit(containers);
    setProp(td, "containerDefinitions", JSON.stringify(containers));
}

type Setting = { namespace: string; name: string; value: string; resource?: string };
const addSetting = (env: PlannedResourceState, s: Setting) => setProp(env, "settings", [...prop<Setting[]>(env, "settings"), { resource: "", ...s }]);
const addTag = (r: PlannedResourceState, key: string, value: string) => setProp(r, "tags", { ...prop<Record<string, string>>(r, "tags"), [key]: value });

/** The value the plan holds for a generated secret (its named stand-in: the pack sees the same string everywhere it is used). */
const secretOf = (f: (type: string, name: string) => PlannedResourceState, name: string) => prop<string>(f(T.password, name), "result");

/** The task security group admits 10.0.0.0/8 on the container port (refused forward by tasks-reachable). */
const openTasks: Edit = (f) => {
    const sg = f(T.sg, "spring-blue-sg");
    setProp(sg, "ingress", [
        ...prop<unknown[]>(sg, "ingress"),
        { description: "internal", protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/8"] },
    ]);
};

/** A route that takes `/` and every one-character path at the catch-all's own share: every witness path of the catch-all. */
const DECOY = ["canary.routes[1].name=root-probe", "canary.routes[1].paths[0]=/", "canary.routes[1].paths[1]=/?", "canary.routes[1].weight=1"];
/** The status route narrowed to the witness paths of its own pattern, and the real pattern behind it at 100 %. */
const SHADOWED_ROUTE = [
    "canary.routes[0].paths[0]=/v1/payments//status",
    "canary.routes[0].paths[1]=/v1/payments/?/status",
    "canary.routes[1].name=status-all",
    "canary.routes[1].paths[0]=/v1/payments/*/status",
    "canary.routes[1].weight=100",
];
const ALL_SPRING = ["canary.weight=100", "canary.routes[0].weight=100"];
const IMAGE_REPO = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api";

// ---------------------------------------------------------------------------

describe("red team C: unsafe changes in classes no review named", function () {
    this.timeout(180000);

    describe("class 1: a rise no witness path sees (rules shadowed for exactly the paths the pack evaluates)", () => {
        it("1.1 the catch-all goes from 1 % to 100 % Spring in one update, behind a route that takes / and every one-character path at 1 %", async () => {
            // ALB User Guide, "Listener rules" / "Path conditions": rules are evaluated in priority order
            // and a path pattern's `?` matches exactly one character, `*` any run. The route takes "/"
            // and "/x" only; every other request (all of /v1/payments...) reaches the catch-all, now
            // sending 999/999 of its weight to Spring. The pack evaluates traffic on witness paths
            // ("/", "/w", instances and pairwise overlaps of the patterns: lib/pathPatterns.ts); every one
            // of the catch-all's lies inside the new route, so no rise is seen.
            const to = await planOf([...DECOY, "canary.weight=100"]);
            const springBlue = prop<{ weight: number }[]>(find(to.states, T.rule, "alb-canary-default"), "actions.0.forward.targetGroups")[2];
            assert.equal(springBlue.weight, 999, "control: the catch-all sends Spring all of its weight");
            const bare = await judged(await update(["canary.weight=100"]), "1.1 control: 1 → 100 without the route", {});
            assert.deepEqual(bare["canary-step-limit"], ["step-skips-rungs"], "control: the same jump without the route is refused");
            await refused(move(to, await planOf([])), "1.1 catch-all 1 → 100 behind a route for / and /?");
        });

        it("1.2 the same in two updates: the harmless-looking route first, then the catch-all 1 % → 100 % (judged 'same')", async () => {
            // The second update changes only the catch-all's weights: a coordinate only where a
            // witness path reaches the rule, and stripped from its fingerprint (lib/resourceModel.ts
            // stripRule). The move is "same", so every finding about the resources is excused too.
            await refused(await update([...DECOY, "canary.weight=100"], { from: DECOY }), "1.2 catch-all 1 → 100 after the route");
        });

        it("1.3 the status route goes from 5 % to 100 % Spring, its real pattern moved behind a route for its own witness paths", async () => {
            // The 5 % route now names only /v1/payments//status and /v1/payments/?/status (the paths
            // the pack instantiates from /v1/payments/*/status); /v1/payments/pay_123/status falls
            // through to the new route at 100 %.
            await refused(await update(SHADOWED_ROUTE), "1.3 status route 5 → 100 behind its own witnesses");
        });
    });

    describe("class 2: climbing on an unconfirmed position (each rung one step above the deployed one, none confirmed)", () => {
        // canary-step-limit measures a rise from the deployed share. The known-good pointer is the
        // operator's confirmation that a rung baked healthy (MODEL.md, issue 17 "after a bake passes");
        // nothing requires one before the next rung, so 1 → 5 → 10 → 25 → 50 → 75 → 100 can be six
        // updates in as many minutes. CloudWatch alarms need their evaluation periods of data at each
        // rung (CloudWatch User Guide, "Evaluating an alarm"): a regression that shows at 5 % over
        // 30 minutes is never seen before half of payments run on it.
        it("2.1 5 % → 10 % while the known-good position is still 1 %", async () => {
            await refused(await update(["canary.weight=10"], { from: ["canary.weight=5"], knownGood: [] }), "2.1 5 → 10 on an unconfirmed 5");
        });

        it("2.2 50 % → 75 % while the known-good position is still 1 %", async () => {
            await refused(await update(["canary.weight=75"], { from: ["canary.weight=50"], knownGood: [] }), "2.2 50 → 75 on an unconfirmed 50");
        });

        it("2.3 Spring reaches 100 % on every path while the known-good position is still 1 %", async () => {
            const p = await update(ALL_SPRING, { from: ["canary.weight=75", "canary.routes[0].weight=75"], knownGood: [] });
            await refused(p, "2.3 75 → 100 on an unconfirmed 75");
        });
    });

    describe("class 3: the export is not the record (what the next update reads as deployed)", () => {
        // The next update reads `position` and `knownGood` back from the stack's outputs through the
        // deployed-state StackReference (Pulumi docs, "Stack references": a reference reads the other
        // stack's outputs). position-recorded compares the PositionRecord with the resources, never the
        // stack outputs with the record: one line in stack.ts exports anything.
        it("3.1 the stack exports a known-good position that was never deployed (Spring at 50 %)", async () => {
            const fifty = positionOfPlan(await planOf(["canary.weight=50"]));
            const p = await codeChange(() => undefined);
            stackOf(p).outputs.knownGood = fifty;
            // Consequence (next update): 1 % → 50 % would be a move back toward it, and canary-step-limit
            // judges only forward moves.
            await refused(p, "3.1 exported knownGood forged");
        });

        it("3.2 the stack exports a deployed position that is not its resources' (Spring already at 50 %)", async () => {
            // The next update's 50 % → 75 % is then one rung, while AWS serves 1 %.
            const fifty = positionOfPlan(await planOf(["canary.weight=50"]));
            const p = await codeChange(() => undefined);
            stackOf(p).outputs.position = fifty;
            await refused(p, "3.2 exported position forged");
        });
    });

    describe("class 4: the known-good pointer moved where it must not go", () => {
        it("4.1 a rollback 25 % → 1 % that confirms the 25 % position it leaves", async () => {
            // canary.confirm holds the digest of the deployed position (the one being rolled back from):
            // knownGoodAfter accepts it. After the update the known-good position is the failing 25 %
            // rung, so the next "rollback" is a jump 1 % → 25 % judged back (canary-step-limit skipped).
            const known = await planOf([]);
            await refused(move(known, await planOf(["canary.weight=25"]), known, true), "4.1 rollback that confirms what it leaves");
        });

        it("4.2 confirming a deployed position that breaks a policy (the Spring tasks admit 10.0.0.0/8)", async () => {
            // The move is "same", so the finding is excused; the pointer now names a position every later
            // move back may return to with the finding excused again (class 5).
            const clean = await planOf([]);
            const bad = mutated(clean, openTasks);
            assert.deepEqual((await judged(move(bad, clean), "4.2 control: forward", {}))["tasks-reachable"], ["task-ingress-foreign"]);
            await refused(move(bad, bad, clean, true), "4.2 confirm a position with open task ingress");
        });

        it("4.3 the recorded known-good pointer names a position never deployed", async () => {
            const p = await codeChange(() => undefined);
            find(p.states, T.record, "position").outputs.knownGood = positionOfPlan(await planOf(["canary.weight=50"]));
            await refused(exported(p), "4.3 record knownGood never deployed");
        });
    });

    describe("class 5: a rollback re-introduces what the deployed state no longer had", () => {
        // policy/judge.ts excuses every `check` finding on a move back, on the grounds that the
        // fingerprints are the deployed ones. A fingerprint that moves to the known-good value also
        // counts as "toward" (lib/compare.ts), so a rollback restores whatever the known-good position's
        // resources had, judged by nothing. A known-good position confirmed before a pack rule existed
        // (every rule this review adds) is exactly that.
        it("5.1 rollback 5 % → 1 % to a known-good position whose task security group admits 10.0.0.0/8 (the deployed one does not)", async () => {
            // VPC User Guide, "Security group rules": any address in 10/8 (peered VPCs, VPN, offices)
            // reaches the tasks directly, past CloudFront and the ALB's origin-verify and QA conditions.
            const known = mutated(await planOf([]), openTasks);
            await refused(move(known, await planOf(["canary.weight=5"]), known), "5.1 rollback re-opens task ingress");
        });

        it("5.2 rollback 5 % → 1 % that deletes the log bucket's public access block the known-good position lacked", async () => {
            // S3 User Guide, "Blocking public access to your Amazon S3 storage": without the block a
            // later ACL or policy can make the ALB's access logs (every client address and path) public.
            const clean = await planOf([]);
            const known = mutated(clean, drop(TYPE.publicAccessBlock, "alb-logs"));
            assert.deepEqual((await judged(move(known, clean), "5.2 control: forward", {}))["log-bucket-private"], ["log-bucket-public-access"]);
            await refused(move(known, await planOf(["canary.weight=5"]), known), "5.2 rollback deletes the public access block");
        });
    });

    describe("class 6: unknowns in a preview hide what an update does", () => {
        // Pulumi docs, "Preview": outputs a resource gets from its provider (ids, ARNs) are unknown until
        // the update creates or replaces it. Stack policies run on that preview; their verdict at the end
        // of the update comes after AWS has changed.
        it("6.1 the live Spring service is pointed at the idle color's task definition, re-registered in the same update", async () => {
            // ECS API Reference, UpdateService taskDefinition: the service rolls to that revision. Blue
            // serves 1 % on green's older image (1.3.7); in the preview the ARN is unknown, and the position
            // falls back to "the task definition tagged with the service's color" (lib/position.ts
            // serviceTaskDefinition), so blue still "runs" 1.4.0.
            const swap =
                (arn: string): Edit =>
                (f) => {
                    const green = f(T.td, "spring-green-task");
                    setProp(green, "memory", "4096");
                    green.outputs.arn = arn;
                    green.outputs.id = arn;
                    setProp(f(T.service, "spring-blue"), "taskDefinition", arn);
                    setProp(f(T.service, "spring-green"), "taskDefinition", arn);
                };
            const known = await codeChange(swap("arn:aws:ecs:eu-west-1:111111111111:task-definition/production-spring-green:8"));
            assert.ok((await judged(known, "6.1 control: known ARN", {}))["release-to-idle"]?.includes("release-on-serving"));
            await refused(await codeChange(swap(UNKNOWN)), "6.1 blue on green's re-registered task definition (preview)");
        });

        it("6.2 the live Spring service is pointed at a new untagged task definition with a hotfix image (preview)", async () => {
            const p = await codeChange((f, states) => {
                const td = copyOf(f(T.td, "spring-blue-task"), "spring-blue-task-hotfix");
                for (const root of [td.inputs, td.outputs]) delete (root.tags as Record<string, string>)["payments:color"];
                editContainers(td, (c) => (c[0].image = `${IMAGE_REPO}:1.4.1-hotfix`));
                td.outputs.arn = UNKNOWN;
                td.outputs.id = UNKNOWN;
                states.push(td);
                setProp(f(T.service, "spring-blue"), "taskDefinition", UNKNOWN);
            });
            await refused(p, "6.2 live service on a new untagged task definition (preview)");
        });

        it("6.3 a new target group (ARN unknown) takes the catch-all's Spring share, the rule's targets tag unchanged", async () => {
            // Before the target groups exist only the rule's targets tag says which is which
            // (lib/position.ts readRules): the tag still says spring-blue; the group is empty (ELB: 503).
            const p = await codeChange((f, states) => {
                const tg = copyOf(f(T.tg, "spring-blue-tg"), "spring-blue-tg-v2");
                for (const root of [tg.inputs, tg.outputs]) delete (root.tags as Record<string, string>)["payments:color"];
                Object.assign(tg.outputs, { arn: UNKNOWN, id: UNKNOWN, arnSuffix: UNKNOWN, name: UNKNOWN });
                states.push(tg);
                setProp(f(T.rule, "alb-canary-default"), "actions.0.forward.targetGroups.2.arn", UNKNOWN);
            });
            await refused(p, "6.3 empty target group behind the spring-blue tag (preview)");
        });

        it("6.4 the origin-verify secret regenerated by a length change instead of a rotation (value unknown everywhere)", async () => {
            // terraform-provider-random: every argument of random_password forces a new value; CloudFront
            // (minutes to deploy) and the rules (seconds) switch at different times: 403s in between.
            const p = await codeChange((f, states) => {
                const pw = f(T.password, "origin-verify");
                setProp(pw, "length", 40);
                unknownEverywhere(states, secretOf(f, "origin-verify"));
            });
            await refused(p, "6.4 origin-verify replaced by a length change");
        });
    });

    describe("class 7: a generated secret copied into plain text", () => {
        // The QA token (with an address in the testers' ranges) picks the color that serves a request;
        // the origin-verify value is what the ALB trusts as CloudFront. outputs-accounted keeps them out
        // of stack outputs only. AWS: "Do not store ... confidential or sensitive information in tags"
        // (Tagging AWS Resources, "Tagging best practices"); task definition environment variables "are
        // readable by all users and roles that are allowed the DescribeTaskDefinition action" (ECS
        // Developer Guide, "Pass an individual environment variable to an Amazon ECS container");
        // descriptions, dashboards and Beanstalk environment properties are returned by every Describe*
        // and Get* call of the service (ReadOnlyAccess).
        it("7.1 the QA token in a tag of the ALB", async () => {
            await refused(await codeChange((f) => addTag(f(T.lb, "alb"), "debug:qa-token", secretOf(f, "qa-token"))), "7.1 QA token in ALB tags");
        });

        it("7.2 the QA token in a security group's description", async () => {
            const p = await codeChange((f) => setProp(f(T.sg, "spring-green-sg"), "description", `Spring green (QA header token ${secretOf(f, "qa-token")})`));
            await refused(p, "7.2 QA token in a security group description");
        });

        it("7.3 the QA token in the health dashboard's body", async () => {
            const p = await codeChange((f) => {
                const d = f(TYPE.dashboard, "health-dashboard");
                setProp(
                    d,
                    "dashboardBody",
                    prop<string>(d, "dashboardBody").replace("Traffic share (%)", `Traffic share (%) - QA token ${secretOf(f, "qa-token")}`),
                );
            });
            await refused(p, "7.3 QA token in the dashboard");
        });

        it("7.4 the QA token as a plain environment variable of the idle Spring color", async () => {
            const p = await codeChange((f) =>
                editContainers(f(T.td, "spring-green-task"), (c) => c[0].environment?.push({ name: "QA_TOKEN", value: secretOf(f, "qa-token") })),
            );
            await refused(p, "7.4 QA token in a task definition environment variable");
        });

        it("7.5 the origin-verify secret in an alarm's description", async () => {
            const p = await codeChange((f) =>
                setProp(
                    f(T.alarm, "health-spring-blue-5xx-rate"),
                    "alarmDescription",
                    `5xx on blue; check with X-Origin-Verify: ${secretOf(f, "origin-verify")}`,
                ),
            );
            await refused(p, "7.5 origin-verify secret in an alarm description");
        });

        it("7.6 the QA token as a Beanstalk environment property of the idle Rails color", async () => {
            const p = await codeChange((f) =>
                addSetting(f(T.env, "legacy-blue"), {
                    namespace: "aws:elasticbeanstalk:application:environment",
                    name: "QA_TOKEN",
                    value: secretOf(f, "qa-token"),
                }),
            );
            await refused(p, "7.6 QA token in a Beanstalk environment property");
        });

        it("7.7 the QA token in the catch-all's name tag (it flows into the exported position)", async () => {
            await refused(
                await codeChange((f) => addTag(f(T.rule, "alb-canary-default"), "payments:rule", `canary-${secretOf(f, "qa-token")}`)),
                "7.7 QA token in a rule name",
            );
        });
    });

    describe("class 8: a release that is not an image (what the serving color runs changes, runs does not)", () => {
        // release-to-idle judges `runs`: the essential container's image and the Beanstalk version
        // label. Any other change to a task definition registers a new revision and ECS rolls the
        // service onto it (ECS Developer Guide, "Updating a service"); a Beanstalk environment property
        // change restarts the application on every instance (Elastic Beanstalk Developer Guide,
        // "Environment properties and other software settings"). The serving color then runs
        // something no header route tested, with no flip back to what ran before.
        it("8.1 a Spring environment variable (config) changes both colors at once, the serving one included", async () => {
            await refused(await update(["spring.environment.PAYOUTS_MODE=instant"]), "8.1 spring.environment on both colors");
        });

        it("8.2 a database secret injected into both Spring colors at once (config)", async () => {
            const p = await update([
                "spring.secrets.DATABASE_URL=arn:aws:secretsmanager:eu-west-1:111111111111:secret:production/payments-migration/db-url-AbCdEf",
            ]);
            await refused(p, "8.2 spring.secrets on both colors");
        });

        it("8.3 the serving Spring color's environment changed in code (SPRING_PROFILES_ACTIVE=sandbox)", async () => {
            const p = await codeChange((f) =>
                editContainers(f(T.td, "spring-blue-task"), (c) => c[0].environment?.push({ name: "SPRING_PROFILES_ACTIVE", value: "sandbox" })),
            );
            await refused(p, "8.3 live task definition environment");
        });

        it("8.4 the serving color's sidecar image swapped (deployed with a log-router sidecar): judged 'same'", async () => {
            // ECS Developer Guide, "Amazon ECS task networking for Fargate": containers of a task share
            // its network namespace, and the task role's credentials are served to every container. The
            // fingerprint strips every container's image (lib/resourceModel.ts stripTaskDefinition);
            // `runs` reads only the essential one's.
            const sidecar =
                (image: string): Edit =>
                (f) =>
                    editContainers(f(T.td, "spring-blue-task"), (c) =>
                        c.push({ name: "log-router", image, essential: false, logConfiguration: c[0].logConfiguration }),
                    );
            const deployed = mutated(await planOf([]), sidecar("public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0"));
            await refused(await codeChange(sidecar("docker.io/someone/netshoot:latest"), { from: deployed }), "8.4 live sidecar image swapped");
        });

        it("8.5 the serving Rails color gets an environment property (RAILS_ENV=staging)", async () => {
            const p = await codeChange((f) =>
                addSetting(f(T.env, "legacy-green"), { namespace: "aws:elasticbeanstalk:application:environment", name: "RAILS_ENV", value: "staging" }),
            );
            await refused(p, "8.5 live Beanstalk environment property");
        });

        it("8.6 the serving Spring color's command changed", async () => {
            const p = await codeChange((f) =>
                editContainers(f(T.td, "spring-blue-task"), (c) => (c[0].command = ["java", "-Dspring.profiles.active=sandbox", "-jar", "/app/app.jar"])),
            );
            await refused(p, "8.6 live task definition command");
        });
    });

    describe("class 9: removal (the pack judges what is declared, not what must exist)", () => {
        it("9.1 the ALB's only ingress rule (from CloudFront's VPC-origin group) removed", async () => {
            // CloudFront Developer Guide, "Restrict access with VPC origins": the origin's security
            // group must allow CloudFront's VPC-origin service group; VPC User Guide: with no inbound rule
            // nothing gets in. Every viewer request times out at the ALB (504).
            await refused(await codeChange(drop(TYPE.ingress, "alb-from-cloudfront")), "9.1 ALB ingress from CloudFront removed");
        });

        it("9.2 the ALB access-log bucket's policy removed (logging still on)", async () => {
            // ELB User Guide, "Enable access logs for your Application Load Balancer": the bucket must have
            // a policy that grants ELB permission to write: delivery stops, the ALB still says enabled.
            await refused(await codeChange(drop(TYPE.bucketPolicy, "alb-logs")), "9.2 access-log bucket policy removed");
        });

        it("9.3 the serving Spring color's unhealthy-hosts alarm removed", async () => {
            // The rollback-time bound counts detection by this alarm (policy/rollbackTime.ts); without it a
            // dying task set is seen only once 5xx climbs, and not at all while the ALB fails open.
            await refused(await codeChange(drop(T.alarm, "health-spring-blue-unhealthy-hosts")), "9.3 live unhealthy-hosts alarm removed");
        });

        it("9.4 the composite alarm the canary tool watches removed", async () => {
            await refused(await codeChange(drop(TYPE.composite, "health-spring-canary-unhealthy")), "9.4 composite alarm removed");
        });

        it("9.5 the on-call subscription removed", async () => {
            await refused(await codeChange(drop(TYPE.subscription, "health-alerts-0")), "9.5 on-call subscription removed");
        });

        it("9.6 the origin DNS record (origin.payments.example.com → ALB) removed", async () => {
            await refused(await codeChange(drop(TYPE.record, "edge-origin-a")), "9.6 origin record removed");
        });
    });

    describe("class 10: bake clocks survive a rollback", () => {
        const CUT = ["migration.cutoverDate=2026-12-01"];
        const DIP = ["canary.weight=100", "canary.routes[0].weight=75"];

        it("10.1 back at 100 % after a rollback below it, under the cutover date recorded before the rollback", async () => {
            // Recorded 2026-12-01 at 100 %; rolled back to 75 % on the status route on 12-03 (the
            // date rides the rollback, R7); back at 100 % on 12-10. The 14-day bake is "over" on 12-15,
            // after five days at 100 %, and Beanstalk's TerminateEnvironment is final.
            const p = await update([...ALL_SPRING, ...CUT], { from: [...DIP, ...CUT], knownGood: [...DIP, ...CUT] });
            await refused(p, "10.1 stale cutover date back at 100 %", { today: "2026-12-10" });
        });

        it("10.2 a cutover date recorded in the past", async () => {
            const p = await update([...ALL_SPRING, "migration.cutoverDate=2026-11-01"], { from: ALL_SPRING });
            await refused(p, "10.2 backdated cutover", { today: "2026-12-10" });
        });
    });

    describe("class 11: a second resource of a judged type beside the declared one", () => {
        it("11.1 a second target group tagged blue, empty, takes the catch-all's Spring share", async () => {
            const p = await codeChange((f, states) => {
                const tg = copyOf(f(T.tg, "spring-blue-tg"), "spring-blue-tg-v2");
                tg.outputs.arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/spring-blue-tg-v2/0123456789abcdef";
                states.push(tg);
                setProp(f(T.rule, "alb-canary-default"), "actions.0.forward.targetGroups.2.arn", tg.outputs.arn);
            });
            await refused(p, "11.1 second blue target group");
        });

        it("11.2 a second viewer distribution for the ALB", async () => {
            const p = await codeChange((f, states) => {
                const d = copyOf(f(T.dist, "edge"), "edge-2");
                setProp(d, "aliases", []);
                d.outputs.domainName = "d2second0000.cloudfront.net";
                states.push(d);
            });
            await refused(p, "11.2 second viewer distribution");
        });

        it("11.3 an untagged worker service running the idle color's task definition (untested release)", async () => {
            const p = await codeChange((f, states) => {
                const s = copyOf(f(T.service, "spring-green"), "spring-green-worker");
                for (const root of [s.inputs, s.outputs]) {
                    delete root.loadBalancers;
                    delete (root.tags as Record<string, string>)["payments:color"];
                }
                s.options.protect = false;
                states.push(s);
            });
            await refused(p, "11.3 worker service on the idle task definition");
        });
    });

    describe("class 12: coercions and lookalikes", () => {
        it("12.1 CloudFront sends the origin-verify header under a lookalike name (Cyrillic і)", async () => {
            await refused(
                await codeChange((f) => setProp(f(T.dist, "edge"), "origins.0.customHeaders.0.name", "X-Origin-Ver\u0456fy")),
                "12.1 lookalike header",
            );
        });

        it("12.2 the idle service's color tag capitalised (Green)", async () => {
            await refused(await codeChange((f) => addTag(f(T.service, "spring-green"), "payments:color", "Green")), "12.2 color tag case");
        });

        it("12.3 the origin-verify generation keeper '1' → '01' (the same number, a new secret)", async () => {
            const p = await codeChange((f, states) => {
                setProp(f(T.password, "origin-verify"), "keepers", { generation: "01" });
                unknownEverywhere(states, secretOf(f, "origin-verify"));
            });
            await refused(p, "12.3 generation 01");
        });
    });

    // -----------------------------------------------------------------------------------------
    describe("rollbacks: moves toward the known-good position pass, also from a deployed position that breaks a policy", () => {
        it("R1 the shadowing route removed and the catch-all back from 100 % to 1 %", async () => {
            await passes(await update([], { from: [...DECOY, "canary.weight=100"], knownGood: [] }), "R1 class 1.1 undone");
        });

        it("R2 50 % → 1 % with a deployed stickiness of 1200 s kept (over the 900 s bound)", async () => {
            const known = await planOf([]);
            await passes(move(withStickiness(known, 1200), withStickiness(await planOf(["canary.weight=50"]), 1200), known), "R2 50 → 1 with 1200 s");
        });

        it("R3 50 % → 25 % by degrees (known-good 1 %) with the idle color emptied as deployed", async () => {
            const p = move(
                await planOf(["canary.weight=25", "spring.green.desiredCount=0"]),
                await planOf(["canary.weight=50", "spring.green.desiredCount=0"]),
                await planOf([]),
            );
            await passes(p, "R3 50 → 25 with idle at 0");
        });

        it("R4 the QA token taken out of the ALB's tags while 5 % → 1 %", async () => {
            const leaked = mutated(await planOf(["canary.weight=5"]), (f) => addTag(f(T.lb, "alb"), "debug:qa-token", secretOf(f, "qa-token")));
            await passes(move(await planOf([]), leaked, await planOf([])), "R4 leak removed");
        });

        it("R5 the live service back on its own task definition from the idle one's (deployed breaks service-task-definition)", async () => {
            const known = await planOf([]);
            const swapped = mutated(known, (f) => setProp(f(T.service, "spring-blue"), "taskDefinition", prop(f(T.td, "spring-green-task"), "arn")));
            await passes(move(known, swapped, known), "R5 blue back on its own task definition");
        });

        it("R6 an update that changes nothing, with a deployed stickiness of 1200 s", async () => {
            const sticky = withStickiness(await planOf([]), 1200);
            await passes(move(sticky, sticky), "R6 same with 1200 s");
        });

        it("R7 Spring back below 100 % on the status route, keeping the recorded cutover date", async () => {
            const CUT = ["migration.cutoverDate=2026-12-01"];
            const p = await update(["canary.weight=100", "canary.routes[0].weight=75", ...CUT], {
                from: [...ALL_SPRING, ...CUT],
                knownGood: ["canary.weight=100", "canary.routes[0].weight=75"],
            });
            await passes(p, "R7 dip below 100 % keeping the cutover", { today: "2026-12-03" });
        });

        it("R8 the ALB's ingress from CloudFront restored while 5 % → 1 % (deployed without it)", async () => {
            const broken = mutated(await planOf(["canary.weight=5"]), drop(TYPE.ingress, "alb-from-cloudfront"));
            await passes(move(await planOf([]), broken, await planOf([])), "R8 ingress restored");
        });

        it("R9 by degrees on both routes (status 25 % → 10 %, catch-all 5 % → 1 %; known-good 5 % / 1 %)", async () => {
            const p = await update(["canary.weight=1", "canary.routes[0].weight=10"], {
                from: ["canary.weight=5", "canary.routes[0].weight=25"],
                knownGood: [],
            });
            await passes(p, "R9 by degrees");
        });

        it("R10 the shadowed status route undone (100 % → the known-good 5 %)", async () => {
            await passes(await update([], { from: SHADOWED_ROUTE, knownGood: [] }), "R10 class 1.3 undone");
        });
    });
});
