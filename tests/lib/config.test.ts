import { strict as assert } from "node:assert";
import {
    ConfigError,
    SECRET_PLACEHOLDER,
    legacyEnvironmentOf,
    parseStackConfig,
    rawProjectConfig,
    springEnvironmentOf,
    springSecretsOf,
} from "../../lib/config";
import { PROJECT, stackRaw, withValue } from "../helpers";

function parse(raw: Record<string, unknown>) {
    return parseStackConfig(raw, PROJECT, "test");
}

function expectError(raw: Record<string, unknown>, key: string, value: string, allowed: RegExp) {
    assert.throws(
        () => parse(raw),
        (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            const line = err.message.split("\n").find((l) => l.includes(`${PROJECT}:${key} = `));
            assert.ok(line, `no line for ${key} in:\n${err.message}`);
            assert.ok(line.includes(`= ${value}`), `value ${value} not named in: ${line}`);
            assert.match(line, allowed);
            return true;
        },
    );
}

describe("stack config", () => {
    const production = stackRaw("production");

    it("parses both stack files, with defaults filled in one place", () => {
        const prod = parse(production);
        assert.equal(prod.canary.weight, 1);
        assert.equal(prod.legacyPresent, true);
        assert.equal(prod.alb.idleTimeoutSeconds, 60);
        assert.equal(prod.qa.routeHeader, "X-Route-To");
        assert.equal(prod.spring.healthCheckPath, "/actuator/health");
        assert.equal(prod.protectRollbackTargets, true);
        const staging = parse(stackRaw("staging"));
        assert.match(staging.alb.certificateArn, /^arn:aws:acm:/);
        assert.ok("cidrBlock" in staging.network);
    });

    it("accepts numbers and booleans written as strings, as the CLI may store them", () => {
        let raw = withValue(production, "canary.weight", "2.5");
        raw = withValue(raw, "canary.stickinessSeconds", "120");
        raw = withValue(raw, "spring.blue.desiredCount", "4");
        raw = withValue(raw, "protectRollbackTargets", "true");
        raw = withValue(raw, "legacy.decommissioned", "false");
        const m = parse(raw);
        assert.equal(m.canary.weight, 2.5);
        assert.equal(m.canary.stickinessSeconds, 120);
        assert.equal(m.spring.blue.desiredCount, 4);
        assert.equal(m.protectRollbackTargets, true);
    });

    it("reads Pulumi's flat config map: JSON objects under project keys, other namespaces ignored", () => {
        const raw = rawProjectConfig(
            { "aws:region": "eu-west-1", [`${PROJECT}:canary`]: '{"weight":"7"}', [`${PROJECT}:protectRollbackTargets`]: "true" },
            PROJECT,
        );
        assert.deepEqual(raw, { canary: { weight: "7" }, protectRollbackTargets: "true" });
    });

    const PERCENT = /from 0 to 100 with at most one decimal/;
    const matrix: [string, unknown, string, RegExp][] = [
        ["canary.weight", 150, "150", PERCENT],
        ["canary.weight", -1, "-1", PERCENT],
        ["canary.weight", "abc", '"abc"', PERCENT],
        ["canary.weight", 0.05, "0.05", PERCENT],
        ["canary.weight", undefined, "(not set)", PERCENT],
        ["canary.stickinessSeconds", 0, "0", /whole number from 1 to 604800/],
        ["canary.stickinessSeconds", 604801, "604801", /whole number from 1 to 604800/],
        ["canary.wieght", 5, "5", /unknown key; allowed keys: weight, stickinessSeconds, routes/],
        ["canary.routes.0.weight", 101, "101", PERCENT],
        ["canary.routes.0.paths", ["/a", "/b", "/c", "/d"], '["/a","/b","/c","/d"]', /1 to 3 path patterns/],
        ["canary.routes.0.paths.0", "/" + "x".repeat(128), `"/${"x".repeat(115)}...`, /at most 128 characters/],
        ["canary.routes.0.paths.0", "/v1/{id}", '"/v1/{id}"', /only A-Z/],
        ["canary.routes.0.name", "Bad Name", '"Bad Name"', /lower-case letters/],
        ["legacy.liveColor", "purple", '"purple"', /expected "blue" or "green"/],
        ["spring.liveColor", "red", '"red"', /expected "blue" or "green"/],
        ["legacy.deploymentPolicy", "AllAtOnce", '"AllAtOnce"', /AllAtOnce takes the environment down/],
        ["spring.cpu", 300, "300", /one of 256, 512, 1024/],
        ["spring.memory", 1024, "1024", /with cpu 1024, memory \(MiB\) must be 2048–8192/],
        ["spring.blue.desiredCount", -1, "-1", /whole number from 0 to 1000/],
        ["spring.blue.desiredCount", 0, "0", /at least 1: the live color receives canary traffic/],
        ["spring.green.image", "not an image!", '"not an image!"', /container image reference/],
        ["spring.logRetentionDays", 10, "10", /CloudWatch Logs retention values/],
        ["qa.sourceCidrs.0", "10.0.0.0/33", '"10.0.0.0/33"', /CIDR/],
        ["qa.sourceCidrs.0", "not-a-cidr", '"not-a-cidr"', /IPv4 or IPv6 CIDR/],
        ["qa.sourceCidrs", Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`), '["10.0.0.0/16","10.1.0.0/16"', /at most 20 CIDR blocks/],
        ["qa.routeHeader", "Host", '"Host"', /other than Host/],
        ["qa.tokenHeader", "X-" + "a".repeat(40), `"X-${"a".repeat(40)}"`, /1 to 40 characters/],
        ["qa.tokenHeader", "X-Route-To", '"X-Route-To"', /different from the other routing headers/],
        ["alb.certificateArn", "arn:aws:iam::1:cert", '"arn:aws:iam::1:cert"', /ACM certificate ARN/],
        ["alb.idleTimeoutSeconds", 0, "0", /whole number from 1 to 4000/],
        ["edge.originDomain", undefined, "(not set)", /CloudFront validates the origin certificate/],
        ["edge.certificateArn", "arn:aws:acm:eu-west-1:111111111111:certificate/abc", '"arn:aws:acm:eu-west-1:111111111111:certificate/abc"', /us-east-1/],
        ["edge.originDnsZoneId", "zone-1", '"zone-1"', /Route 53 hosted zone id/],
        ["network.vpcId", "vpc-123", '"vpc-123"', /VPC id such as vpc-0123456789abcdef0/],
        ["legacy.blue.versionLabel", "", '""', /version label/],
        ["legacy.targetGroupArns.blue", "arn:bad", '"arn:bad"', /expected an ALB target group ARN/],
        ["protectRollbackTargets", "yes", '"yes"', /true or false/],
        ["unknownKey", 1, "1", /unknown key; allowed keys: canary, legacy, spring/],
    ];
    for (const [key, value, shown, allowed] of matrix) {
        it(`rejects ${key} = ${shown} with a message naming key, value and what is allowed`, () => {
            expectError(withValue(production, key, value), key.replace(/\.(\d+)(?=\.|$)/g, "[$1]"), shown, allowed);
        });
    }

    it("rejects an idle timeout that CloudFront's keep-alive would outlive", () => {
        expectError(withValue(production, "alb.idleTimeoutSeconds", 5), "edge.originKeepaliveSeconds", "5 (default)", /less than alb.idleTimeoutSeconds \(5\)/);
    });

    it("rejects decommissioning the legacy pair before Spring has 100 % everywhere", () => {
        expectError(withValue(production, "legacy.decommissioned", true), "canary.weight", "1", /expected 100 while legacy.decommissioned/);
        let raw = withValue(production, "legacy.decommissioned", true);
        raw = withValue(raw, "canary.weight", 100);
        expectError(raw, "canary.routes[0].weight", "5", /expected 100 while legacy.decommissioned/);
        raw = withValue(raw, "canary.routes.0.weight", 100);
        assert.equal(parse(raw).legacyPresent, false);
    });

    it("rejects more routes than the ALB rule quota holds", () => {
        const routes = Array.from({ length: 92 }, (_, i) => ({ name: `r${i}`, paths: [`/p${i}`], weight: 1 }));
        expectError(
            withValue(production, "canary.routes", routes),
            "canary.routes",
            `[{"name":"r0"`,
            /at most 91 routes: the ALB would need 101 listener rules .* alb.maxRules \(100/,
        );
        assert.equal(parse(withValue(production, "canary.routes", routes.slice(0, 91))).canary.routes.length, 91);
    });

    it("rejects duplicate route names and path patterns", () => {
        const routes = [
            { name: "a", paths: ["/x"], weight: 1 },
            { name: "a", paths: ["/x"], weight: 1 },
        ];
        expectError(withValue(production, "canary.routes", routes), "canary.routes[1].name", '"a"', /unique route name/);
        expectError(withValue(production, "canary.routes", routes), "canary.routes[1].paths[0]", '"/x"', /already used by route "a"/);
    });

    it("rejects route priorities that collide, explicit or from the list position", () => {
        const routes = [
            { name: "a", paths: ["/a"], weight: 1 },
            { name: "b", paths: ["/b"], weight: 1, priority: 100 },
        ];
        expectError(withValue(production, "canary.routes", routes), "canary.routes[1].priority", "100", /already route "a"'s/);
        const fixed = [
            { name: "a", paths: ["/a"], weight: 1, priority: 200 },
            { name: "b", paths: ["/b"], weight: 1, priority: 200 },
        ];
        expectError(withValue(production, "canary.routes", fixed), "canary.routes[1].priority", "200", /expected a priority no other route has/);
        expectError(withValue(production, "canary.routes.0.priority", 40000), "canary.routes[0].priority", "40000", /whole number from 100 to 39999/);
    });

    describe("the ALB's scheme and the network", () => {
        it("makes the ALB internal by default, with no public subnets needed from an existing VPC", () => {
            assert.equal(parse(production).alb.internal, true);
            const noPublic = parse(withValue(production, "network.publicSubnetIds", undefined));
            assert.equal(noPublic.alb.internal, true);
            assert.ok("vpcId" in noPublic.network && noPublic.network.publicSubnetIds === undefined);
        });

        it("rejects an internet-facing ALB without public subnets, and a scheme that is not a boolean", () => {
            let raw = withValue(production, "network.publicSubnetIds", undefined);
            raw = withValue(raw, "alb.internal", false);
            expectError(raw, "network.publicSubnetIds", "(not set)", /at least 2 public subnet ids .* internet-facing ALB \(alb.internal: false\)/);
            expectError(withValue(production, "alb.internal", "internal"), "alb.internal", '"internal"', /true or false/);
        });
    });

    describe("container settings", () => {
        const secretArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";

        it("refuses a secure value among the plain environment variables, naming the key and spring.secrets", () => {
            assert.throws(
                () => parse(withValue(production, "spring.environment.DB_PASSWORD", SECRET_PLACEHOLDER)),
                (err: unknown) => {
                    assert.ok(err instanceof ConfigError);
                    const line = err.message.split("\n").find((l) => l.includes(`${PROJECT}:spring.environment.DB_PASSWORD`));
                    assert.ok(line, err.message);
                    assert.match(line, /is a secure value, which this key cannot hold: .*plain text in the task definition.*spring\.secrets\.DB_PASSWORD/);
                    assert.doesNotMatch(line, /without --secret/, "never advise storing the secret in plain text");
                    return true;
                },
            );
        });

        it("accepts secrets by Secrets Manager ARN (with or without a key/version suffix) or SSM parameter ARN", () => {
            const m = parse(
                withValue(
                    withValue(production, "spring.secrets", {
                        DB_PASSWORD: secretArn,
                        DB_USER: `${secretArn}:username::`,
                        PSP_KEY: "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key",
                    }),
                    "spring.secretsKmsKeyArns",
                    ["arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
                ),
            );
            assert.equal(Object.keys(m.spring.secrets).length, 3);
            assert.deepEqual(parse(production).spring.secrets, {});
        });

        const ALLOWED = /ARN of a Secrets Manager secret .* or of an SSM parameter/;
        const bad: [string, unknown, string, RegExp][] = [
            ["spring.secrets.DB_PASSWORD", "hunter2", '"hunter2"', ALLOWED],
            ["spring.secrets.DB_PASSWORD", "payments/db", '"payments/db"', ALLOWED],
            [
                "spring.secrets.DB_PASSWORD",
                "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db",
                '"arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db"',
                ALLOWED,
            ],
            ["spring.secrets.DB_PASSWORD", "arn:aws:s3:::bucket/key", '"arn:aws:s3:::bucket/key"', ALLOWED],

            ["spring.requireDigest", "sometimes", '"sometimes"', /true or false/],
        ];
        for (const [key, value, shown, allowed] of bad) {
            it(`rejects ${key} = ${shown}`, () => {
                expectError(withValue(production, key, value), key.replace(/\.(\d+)(?=\.|$)/g, "[$1]"), shown, allowed);
            });
        }

        it("rejects a KMS key given as anything but a key ARN", () => {
            expectError(
                withValue(production, "spring.secretsKmsKeyArns", ["alias/payments"]),
                "spring.secretsKmsKeyArns[0]",
                '"alias/payments"',
                /KMS key ARN/,
            );
        });

        it("rejects a secret under a name that is also a plain variable or one the program sets", () => {
            const both = withValue(withValue(production, "spring.environment.DB_PASSWORD", "x"), "spring.secrets.DB_PASSWORD", secretArn);
            expectError(both, "spring.secrets.DB_PASSWORD", JSON.stringify(secretArn), /not also in spring.environment/);
            expectError(
                withValue(production, "spring.secrets.SERVER_PORT", secretArn),
                "spring.secrets.SERVER_PORT",
                JSON.stringify(secretArn),
                /the program sets those itself/,
            );
        });

        it("rejects a plain variable the program sets itself (the port the target group checks, Tomcat's keep-alive, graceful shutdown)", () => {
            for (const name of ["SERVER_PORT", "SERVER_TOMCAT_KEEPALIVETIMEOUT", "SERVER_SHUTDOWN"])
                expectError(withValue(production, `spring.environment.${name}`, "20s"), `spring.environment.${name}`, '"20s"', /the program sets those itself/);
        });
    });

    describe("settings per color (a change staged on the idle color: set it there, flip, then move it to the shared key)", () => {
        const secretArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";
        const otherArn = "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/db-url";

        it("merges a color's own environment and secrets over the shared ones, for that color only", () => {
            let raw = withValue(production, "spring.environment", { PAYOUTS_MODE: "batch", POOL: "10" });
            raw = withValue(raw, "spring.green.environment", { PAYOUTS_MODE: "instant" });
            raw = withValue(raw, "spring.secrets", { DB_URL: secretArn });
            raw = withValue(raw, "spring.green.secrets", { DB_URL: otherArn });
            raw = withValue(raw, "legacy.environment", { RAILS_LOG_LEVEL: "info" });
            raw = withValue(raw, "legacy.blue.environment", { RAILS_LOG_LEVEL: "debug", FEATURE_X: "on" });
            const m = parse(raw);
            assert.deepEqual(springEnvironmentOf(m.spring, "blue"), { PAYOUTS_MODE: "batch", POOL: "10" });
            assert.deepEqual(springEnvironmentOf(m.spring, "green"), { PAYOUTS_MODE: "instant", POOL: "10" });
            assert.deepEqual(springSecretsOf(m.spring, "blue"), { DB_URL: secretArn });
            assert.deepEqual(springSecretsOf(m.spring, "green"), { DB_URL: otherArn });
            assert.deepEqual(legacyEnvironmentOf(m.legacy, "blue"), { RAILS_LOG_LEVEL: "debug", FEATURE_X: "on" });
            assert.deepEqual(legacyEnvironmentOf(m.legacy, "green"), { RAILS_LOG_LEVEL: "info" });
        });

        it("defaults every per-color and legacy setting to none (a stack file without them plans as before)", () => {
            const m = parse(production);
            for (const color of ["blue", "green"] as const) {
                assert.deepEqual([m.spring[color].environment, m.spring[color].secrets, m.legacy[color].environment], [{}, {}, {}]);
            }
            assert.deepEqual(m.legacy.environment, {});
        });

        it("refuses in a color's settings what it refuses in the shared ones, naming the color's key", () => {
            expectError(
                withValue(production, "spring.blue.environment.SERVER_PORT", "9090"),
                "spring.blue.environment.SERVER_PORT",
                '"9090"',
                /the program sets those itself/,
            );
            expectError(
                withValue(production, "spring.green.secrets.DB_URL", "hunter2"),
                "spring.green.secrets.DB_URL",
                '"hunter2"',
                /ARN of a Secrets Manager secret/,
            );
            assert.throws(() => parse(withValue(production, "legacy.blue.environment.bad-name", "x")), /legacy\.blue\.environment.*environment variable names/);
        });

        it("refuses a secret whose name a color also has as a plain variable, shared or its own, once per key", () => {
            const raw = withValue(withValue(production, "spring.green.environment.DB_URL", "postgres://db"), "spring.secrets.DB_URL", secretArn);
            expectError(
                raw,
                "spring.secrets.DB_URL",
                JSON.stringify(secretArn),
                /not also in spring.environment or spring.green.environment: DB_URL would be set twice in spring-green/,
            );
            const shared = withValue(withValue(production, "spring.environment.DB_URL", "x"), "spring.secrets.DB_URL", secretArn);
            assert.throws(
                () => parse(shared),
                (err: unknown) =>
                    err instanceof ConfigError && err.message.split("\n").filter((l) => l.includes(`${PROJECT}:spring.secrets.DB_URL`)).length === 1,
            );
        });

        it("refuses a secure value in a color's plain variables or in a Rails environment property", () => {
            for (const key of ["spring.green.environment.DB_PASSWORD", "legacy.environment.DB_PASSWORD", "legacy.green.environment.DB_PASSWORD"]) {
                assert.throws(
                    () => parse(withValue(production, key, SECRET_PLACEHOLDER)),
                    (err: unknown) => {
                        assert.ok(err instanceof ConfigError);
                        const line = err.message.split("\n").find((l) => l.includes(`${PROJECT}:${key}`));
                        assert.ok(line, err.message);
                        assert.match(line, /is a secure value, which this key cannot hold: .*plain text/);
                        return true;
                    },
                );
            }
        });

        it("refuses a Rails color's environment properties over Beanstalk's 4096 bytes", () => {
            const big = withValue(withValue(production, "legacy.environment.A", "x".repeat(3000)), "legacy.green.environment.B", "y".repeat(1200));
            assert.throws(
                () => parse(big),
                (err: unknown) =>
                    err instanceof ConfigError &&
                    /legacy\.green\.environment = .*at most 4096 bytes/.test(err.message) &&
                    !/legacy\.blue\.environment/.test(err.message),
            );
        });
    });

    describe("images by digest", () => {
        const digest = `@sha256:${"a".repeat(64)}`;
        const real = withValue(production, "spring.requireDigest", undefined);

        it("refuses a tag where protectRollbackTargets is true unless the stack says otherwise", () => {
            expectError(
                real,
                "spring.blue.image",
                '"111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0"',
                /pinned by digest .* spring.requireDigest is true by default where protectRollbackTargets is true/,
            );
            let pinned = withValue(real, "spring.blue.image", `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0${digest}`);
            pinned = withValue(pinned, "spring.green.image", `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api${digest}`);
            assert.match(parse(pinned).spring.green.image, /@sha256:a{64}$/);
            assert.equal(parse(withValue(real, "spring.requireDigest", false)).spring.requireDigest, false);
        });

        it("lets a stack without protected rollback targets use tags, unless it requires digests", () => {
            const staging = stackRaw("staging");
            assert.equal(parse(staging).spring.blue.image.includes("@sha256:"), false);
            expectError(
                withValue(staging, "spring.requireDigest", true),
                "spring.green.image",
                '"111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0"',
                /spring.requireDigest is true:/,
            );
        });
    });
});
