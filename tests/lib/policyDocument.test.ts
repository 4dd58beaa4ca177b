/** lib/policyDocument.ts: IAM and bucket policy documents read as statements, or why they cannot be. */
import { strict as assert } from "node:assert";
import { hasWildcard, readPolicyDocument, statementLabel } from "../../lib/policyDocument";

describe("lib/policyDocument.ts", () => {
    it("reads a statement's lists, lower-cases actions and condition keys, and keeps what it does not know", () => {
        const doc = {
            Version: "2012-10-17",
            Statement: {
                Sid: "Logs",
                Effect: "Allow",
                Action: "S3:PutObject",
                Resource: ["arn:aws:s3:::logs/AWSLogs/*"],
                Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                Condition: { StringEquals: { "AWS:SourceAccount": 111111111111 } },
                Extra: true,
            },
        };
        const read = readPolicyDocument(JSON.stringify(doc));
        assert.ok(Array.isArray(read), String(read));
        const [s] = read;
        assert.equal(statementLabel(s, 0), "statement Logs");
        assert.deepEqual(s.actions, ["s3:putobject"]);
        assert.deepEqual(s.resources, ["arn:aws:s3:::logs/AWSLogs/*"]);
        assert.deepEqual(s.principals, { Service: ["logdelivery.elasticloadbalancing.amazonaws.com"] });
        assert.deepEqual(s.conditions, { StringEquals: { "aws:sourceaccount": ["111111111111"] } });
        assert.deepEqual(s.unknownKeys, ["Extra"]);
        assert.deepEqual(readPolicyDocument({ Statement: [{ Effect: "Deny", Principal: "*", NotAction: "s3:*" }] }), [
            {
                sid: undefined,
                effect: "Deny",
                actions: undefined,
                notActions: ["s3:*"],
                resources: undefined,
                notResources: undefined,
                principals: { "*": ["*"] },
                notPrincipals: undefined,
                hasCondition: false,
                conditions: undefined,
                unknownKeys: [],
            },
        ]);
    });

    it("says why a document cannot be read: every caller refuses what it cannot read", () => {
        const cases: [unknown, RegExp][] = [
            ["{not json", /not JSON/],
            ["[]", /not a JSON object/],
            [{ Statement: ["x"] }, /statement 0 is not an object/],
            [{ Statement: [{ Effect: "Allow", Action: 3 }] }, /statement 0: actions is neither a string nor a list of strings/],
            [{ Statement: [{ Sid: "P", Effect: "Allow", Principal: ["a"] }] }, /statement P: a principal is neither/],
            [{ Statement: [{ Action: "s3:GetObject" }] }, /no Effect/],
        ];
        for (const [doc, why] of cases) {
            const read = readPolicyDocument(doc);
            assert.equal(typeof read, "string", JSON.stringify(doc));
            assert.match(String(read), why);
        }
        // A Condition block that is not { operator: { key: values } } is kept as null: its callers refuse it.
        const odd = readPolicyDocument({ Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Condition: { StringEquals: "x" } }] });
        assert.ok(Array.isArray(odd) && odd[0].conditions === null && odd[0].hasCondition);
    });

    it("tells a wildcard from a literal", () => {
        assert.deepEqual(["s3:*", "arn:aws:s3:::b/?", "s3:GetObject"].map(hasWildcard), [true, true, false]);
    });
});
