import { strict as assert } from "node:assert";
import { ecrRepositoryArn, imageDigest } from "../../lib/ecr";

describe("ECR repository ARN from an image reference", () => {
    it("derives the repository the execution role may pull from", () => {
        assert.equal(
            ecrRepositoryArn("111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0"),
            "arn:aws:ecr:eu-west-1:111111111111:repository/payments-api",
        );
        assert.equal(
            ecrRepositoryArn(`222222222222.dkr.ecr.us-east-1.amazonaws.com/team/payments@sha256:${"a".repeat(64)}`),
            "arn:aws:ecr:us-east-1:222222222222:repository/team/payments",
        );
    });

    it("gives nothing for images outside ECR (no ECR permissions needed)", () => {
        assert.equal(ecrRepositoryArn("ghcr.io/acme/payments:1.0"), undefined);
        assert.equal(ecrRepositoryArn("nginx:latest"), undefined);
    });

    it("reads the digest an image is pinned to, and nothing from a tag", () => {
        const digest = `sha256:${"b".repeat(64)}`;
        assert.equal(imageDigest(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0@${digest}`), digest);
        assert.equal(imageDigest(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api@${digest}`), digest);
        assert.equal(imageDigest("111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0"), undefined);
        assert.equal(imageDigest("payments-api:sha256-abc"), undefined);
    });
});
