/**
 * No region, no credentials: the real SDK clients and credential chain (no mock, no network:
 * the instance metadata service is switched off, the shared config files point nowhere), so
 * the messages are the ones an operator without a login sees.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { LiveAccessError, awsLiveClients } from "../../../tools/live/aws";
import { checkLive } from "../../../tools/live/verify";
import { tempDir } from "../../helpers";
import { canaryExpected } from "./world";

const CHAIN = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_EC2_METADATA_DISABLED",
];

describe("live check: no region or credentials in the standard chain (exit 2, one line)", () => {
    const saved: Record<string, string | undefined> = {};
    before(() => {
        const nowhere = path.join(tempDir("no-aws"), "missing");
        for (const key of CHAIN) {
            saved[key] = process.env[key];
            delete process.env[key];
        }
        Object.assign(process.env, { AWS_CONFIG_FILE: nowhere, AWS_SHARED_CREDENTIALS_FILE: nowhere, AWS_EC2_METADATA_DISABLED: "true" });
    });
    after(() => {
        for (const key of CHAIN) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
    });

    const failure = async (region?: string) => {
        try {
            await checkLive(canaryExpected(), awsLiveClients(region));
        } catch (e) {
            assert.ok(e instanceof LiveAccessError, String(e));
            return e.message;
        }
        assert.fail("expected a LiveAccessError");
    };

    it("no region: names the first call and where a region comes from", async () => {
        assert.equal(
            await failure(undefined),
            "Elastic Load Balancing DescribeRules: no AWS region: set aws:region in the stack file, or AWS_REGION, or a region in the AWS profile",
        );
    });

    it("no credentials: names the first call and the chain it searched", async () => {
        assert.equal(
            await failure("eu-west-1"),
            "Elastic Load Balancing DescribeRules: no AWS credentials in the standard chain (environment, AWS_PROFILE / SSO profile, container or instance role): log in (e.g. aws sso login) and run it again",
        );
    });
});
