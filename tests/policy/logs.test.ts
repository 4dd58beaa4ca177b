/**
 * log-bucket-private (policy/logs.ts) on the fixture plans: the access-log bucket as the program
 * declares it passes; each change below (one each) is refused with its code.
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { plan } from "../planCache";
import { T, added, mutated, setProp, violations } from "./harness";

const POLICY = "log-bucket-private";

/** This policy's violations on a plan (the fixture's policy config, with `file`'s entries over it). */
async function violationsOf(p: PlanRun, file?: Record<string, unknown>) {
    return await violations(p, { config: file, only: [POLICY] });
}
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";

type Find = (type: string, name: string) => PlannedResourceState;
type Doc = { Version: string; Statement: Record<string, unknown>[] };

async function codes(p: PlanRun): Promise<string[]> {
    const v = await violationsOf(p);
    assert.ok(
        v.every((x) => x.level === "mandatory"),
        JSON.stringify(v),
    );
    return [...new Set(v.map((x) => /^\[([a-z0-9-]+)\]/.exec(x.message)?.[1] ?? x.message))].sort();
}

const bucketArn = (find: Find) => String(find(BUCKET, "alb-logs").outputs.arn);

/** The log bucket's policy, edited (`find` gives the bucket's ARN). */
const editPolicy = (edit: (d: Doc, find: Find) => void) => (find: Find) => {
    const policy = find(BUCKET_POLICY, "alb-logs");
    const d = JSON.parse(String(policy.outputs.policy)) as Doc;
    edit(d, find);
    setProp(policy, "policy", JSON.stringify(d));
};

describe("policy log-bucket-private (policy/logs.ts)", () => {
    it("passes the access-log bucket the program declares (production); staging logs nowhere: not applicable", async () => {
        assert.deepEqual(await codes(await plan("production")), []);
        assert.deepEqual(await codes(await plan("staging")), []);
    });

    const accepted: [string, (find: Find, states: PlannedResourceState[]) => void][] = [
        [
            "delivery by the service principal (Regions opened since August 2022)",
            editPolicy((d) => (d.Statement[0].Principal = { Service: "logdelivery.elasticloadbalancing.amazonaws.com" })),
        ],
        ["the Region's ELB account by its bare id", editPolicy((d) => (d.Statement[0].Principal = { AWS: "156460612806" }))],
        [
            "a statement that denies (plain HTTP)",
            editPolicy((d, find) =>
                d.Statement.push({
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: `${bucketArn(find)}/*`,
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }),
            ),
        ],
    ];
    for (const [what, change] of accepted) {
        it(`accepts ${what}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), []);
        });
    }

    const cases: [string, (find: Find, states: PlannedResourceState[]) => void, string[]][] = [
        [
            "a public access-log bucket (everyone may read the logs)",
            editPolicy((d, find) => d.Statement.push({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${bucketArn(find)}/*` })),
            ["log-bucket-policy-action", "log-bucket-policy-principal", "log-bucket-policy-resource"],
        ],
        ["delivery opened to everyone (Principal *)", editPolicy((d) => (d.Statement[0].Principal = "*")), ["log-bucket-policy-principal"]],
        [
            "delivery by another account",
            editPolicy((d) => (d.Statement[0].Principal = { AWS: "arn:aws:iam::222222222222:root" })),
            ["log-bucket-policy-principal"],
        ],
        [
            "the ELB account of another Region",
            editPolicy((d) => (d.Statement[0].Principal = { AWS: "arn:aws:iam::127311923021:root" })),
            ["log-bucket-policy-principal"],
        ],
        ["every S3 action for the delivery", editPolicy((d) => (d.Statement[0].Action = "s3:*")), ["log-bucket-policy-action"]],
        ["delivery into the whole bucket", editPolicy((d, find) => (d.Statement[0].Resource = `${bucketArn(find)}/*`)), ["log-bucket-policy-resource"]],
        [
            "delivery under another prefix",
            editPolicy((d, find) => (d.Statement[0].Resource = `${bucketArn(find)}/staging/AWSLogs/*`)),
            // The ALB writes under its own prefix, which nothing allows now: the logs stop too.
            ["log-bucket-no-delivery", "log-bucket-policy-resource"],
        ],
        [
            "NotPrincipal",
            editPolicy((d) => (d.Statement[0] = { ...d.Statement[0], Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::156460612806:root" } })),
            ["log-bucket-policy-shape"],
        ],
        [
            "an unreadable bucket policy",
            (find) => setProp(find(BUCKET_POLICY, "alb-logs"), "policy", "not json"),
            ["log-bucket-no-delivery", "log-bucket-policy-shape"],
        ],
        [
            "a Deny of s3:PutObject to everyone beside the delivery's Allow",
            editPolicy((d, find) => d.Statement.push({ Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `${bucketArn(find)}/*` })),
            ["log-bucket-no-delivery"],
        ],
        ["restrictPublicBuckets off", (find) => setProp(find(ACCESS_BLOCK, "alb-logs"), "restrictPublicBuckets", false), ["log-bucket-public-access"]],
        [
            "no public access block",
            (_find, states) =>
                states.splice(
                    states.findIndex((s) => s.type === ACCESS_BLOCK),
                    1,
                ),
            ["log-bucket-public-access"],
        ],
        [
            "a second bucket without a public access block",
            (_find, states) => states.push(added(BUCKET, "exports", { bucket: "payments-exports" })),
            ["log-bucket-public-access"],
        ],
        [
            "a bucket policy on a bucket the stack does not declare",
            (_find, states) =>
                states.push(
                    added(BUCKET_POLICY, "elsewhere", {
                        bucket: "someone-elses-bucket",
                        policy: JSON.stringify({
                            Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::someone-elses-bucket/*" }],
                        }),
                    }),
                ),
            ["log-bucket-undeclared"],
        ],
        [
            "access logs sent to a bucket the stack does not declare",
            (find) => setProp(find(T.lb, "alb"), "accessLogs.bucket", "someone-elses-bucket"),
            // The declared bucket then takes no logs: its delivery statement grants for nothing.
            ["log-bucket-policy-resource", "log-bucket-undeclared"],
        ],
    ];
    for (const [what, change, expected] of cases) {
        it(`refuses ${what}: ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), expected);
        });
    }
});
