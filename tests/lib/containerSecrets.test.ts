import { strict as assert } from "node:assert";
import { containerSecrets, secretReadStatements, secretSource } from "../../lib/containerSecrets";

const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";
const PARAMETER = "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key";
const KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("secret container settings (ECS secrets, valueFrom)", () => {
    it("grants on the secret itself, whatever key or version of it a variable reads", () => {
        assert.deepEqual(secretSource(`${SECRET}:password:AWSCURRENT:`), { kind: "secretsmanager", resource: SECRET, region: "eu-west-1" });
        assert.deepEqual(secretSource(PARAMETER), { kind: "ssm", resource: PARAMETER, region: "eu-west-1" });
        // A partial ARN (no 6-character suffix) names no secret IAM can match; a name, another service: no reference at all.
        for (const bad of ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db", "payments/db", "arn:aws:s3:::b/k", `${SECRET}:only-a-key`]) {
            assert.equal(secretSource(bad), undefined, bad);
        }
    });

    it("reads exactly the named secrets and parameters, each once, and decrypts only through those services", () => {
        const statements = secretReadStatements({ A: SECRET, B: `${SECRET}:user::`, C: PARAMETER }, [KEY]);
        assert.deepEqual(statements, [
            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [SECRET] },
            { Effect: "Allow", Action: "ssm:GetParameters", Resource: [PARAMETER] },
            {
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: [KEY],
                Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] } },
            },
        ]);
    });

    it("asks for nothing without secrets, and no KMS permission without customer managed keys", () => {
        assert.deepEqual(secretReadStatements({}, [KEY]), []);
        assert.deepEqual(
            secretReadStatements({ C: PARAMETER }).map((s) => s.Action),
            ["ssm:GetParameters"],
        );
        assert.throws(() => secretReadStatements({ X: "hunter2" }), /spring\.secrets\.X: expected the ARN/);
    });

    it("lists the container's secrets by name, sorted, holding only the references", () => {
        assert.deepEqual(containerSecrets({ Z: PARAMETER, A: SECRET }), [
            { name: "A", valueFrom: SECRET },
            { name: "Z", valueFrom: PARAMETER },
        ]);
    });
});
