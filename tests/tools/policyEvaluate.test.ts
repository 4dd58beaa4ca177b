/**
 * tools/policy/evaluate.ts: the offline evaluation `npm run plan` and the tests use, with the
 * engine's semantics (config reconciliation, enforcement levels, unknown values, what stack and
 * resource policies are given). The pack's own policies are tested in tests/policy/.
 */
import { strict as assert } from "node:assert";
import type { Policies } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { PolicyConfigError, evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import type { RoutedAlbOutputs } from "../../lib/contract";
import { propsOf } from "../../lib/resources";
import { defined } from "../helpers";
import { plan } from "../planCache";
import { T, mutated } from "../policy/harness";

// The SDK's own unknown sentinel, as the policy server receives it during a preview.
const { unknownStringValue } = require("@pulumi/policy/proxy");

describe("offline policy evaluation (engine semantics)", () => {
    it("applies config-schema defaults when the file says nothing", () => {
        const c = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, {});
        assert.deepEqual(c["stickiness-bounded"], { enforcementLevel: "mandatory", properties: { maxSeconds: 900, minSeconds: 60 } });
        assert.deepEqual(c["canary-step-limit"].properties, { ladder: [0, 0.1, 1, 5, 10, 25, 50, 75, 100] });
        assert.deepEqual(c["rollback-target-retained"].properties, { minBakeDays: 14 });
        assert.equal(c["alb-access-logs"].enforcementLevel, "advisory", "a policy's own level beats the pack's");
    });

    it("resolves levels as the CLI does: per-policy entry, then \"all\", then the policy's own, then the pack's", () => {
        const c = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, {
            all: "advisory",
            "single-writer": "mandatory",
            "stickiness-bounded": { enforcementLevel: "disabled", maxSeconds: 60 },
            "idle-color-warm": { minTasks: 2 },
        });
        assert.equal(c["weights-well-formed"].enforcementLevel, "advisory");
        assert.equal(c["alb-access-logs"].enforcementLevel, "advisory");
        assert.equal(c["single-writer"].enforcementLevel, "mandatory");
        assert.deepEqual(c["stickiness-bounded"], { enforcementLevel: "disabled", properties: { maxSeconds: 60, minSeconds: 60 } });
        assert.deepEqual(c["idle-color-warm"], { enforcementLevel: "advisory", properties: { minTasks: 2, minInstances: 1 } });
    });

    it("rejects invalid config with a message naming the policy", () => {
        const bad: [Record<string, unknown>, RegExp][] = [
            [{ "stickiness-bounded": { maxSeconds: "long" } }, /"stickiness-bounded": \/maxSeconds must be integer/],
            [{ "stickiness-bounded": { maxSecs: 5 } }, /"stickiness-bounded": .*must NOT have additional properties/],
            [{ "canary-step-limit": "strict" }, /enforcement level "strict" is not one of advisory, mandatory, remediate, disabled/],
            [{ all: "nope" }, /"all": enforcement level "nope"/],
            [{ "single-writter": "mandatory" }, /names "single-writter", which is not a policy of this pack/],
            [{ "fargate-size-valid": { strict: true } }, /this policy takes no properties/],
        ];
        for (const [file, message] of bad) {
            assert.throws(
                () => resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, file),
                (e: unknown) => e instanceof PolicyConfigError && message.test(e.message),
            );
        }
    });

    it('reports an unknown value as "can\'t run during preview" (advisory), not as a pass or a fail', async () => {
        const p = mutated(await plan("production"), (find) => {
            (find(T.service, "spring-blue").inputs as { deploymentController?: unknown }).deploymentController = { type: unknownStringValue };
        });
        const probe: Policies = [
            {
                name: "probe-controller",
                description: "reads a value a preview may not know",
                validateResource: (args, report) => {
                    const controller = (args.props as { deploymentController?: { type?: unknown } }).deploymentController;
                    if (controller && controller.type !== "ECS") report("not ECS");
                },
            },
        ];
        const report = await evaluatePolicies(probe, resolvePolicyConfig(probe, "mandatory", {}), p.states);
        assert.equal(report.violations.length, 1);
        const [v] = report.violations;
        assert.equal(v.level, "advisory");
        assert.match(v.message, /^can't run policy 'probe-controller' during preview: .*deploymentController\.type can't be known during preview/);
        assert.match(v.urn!, /spring-blue$/);
    });

    it("records not-applicable results, skips disabled policies and reports remediate as mandatory", async () => {
        const p = await plan("production");
        const probe: Policies = [
            {
                name: "probe-stack",
                description: "stack probe",
                enforcementLevel: "remediate",
                validateStack: (_args, report) => report("stack-level finding"),
            },
            {
                name: "probe-resource",
                description: "resource probe",
                validateResource: (args, report) => {
                    if (args.type !== T.lb) args.notApplicable("load balancers only");
                    report(`saw ${args.name}`);
                },
            },
            { name: "probe-off", description: "never runs", enforcementLevel: "disabled", validateStack: () => assert.fail("disabled policy ran") },
        ];
        const report = await evaluatePolicies(probe, resolvePolicyConfig(probe, "advisory", {}), p.states);
        assert.deepEqual(report.violations, [
            { policy: "probe-resource", level: "advisory", urn: p.states.find((s) => s.type === T.lb)!.urn, message: "saw alb" },
            { policy: "probe-stack", level: "mandatory", urn: null, message: "stack-level finding" },
        ]);
        assert.equal(report.notApplicable.filter((n) => n.reason === "load balancers only").length, p.states.length - 1);
    });

    it("gives stack policies outputs (components: registered outputs) and resource policies inputs", async () => {
        const p = await plan("production");
        const seen: Record<string, unknown> = {};
        const probe: Policies = [
            {
                name: "probe-outputs",
                description: "",
                validateStack: (args) => {
                    const alb = args.resources.find((r) => r.type === "payments:migration:RoutedAlb")!;
                    seen.routing = defined(propsOf<RoutedAlbOutputs>(alb).routing, "routing").map((r) => r.name);
                    const rule = args.resources.find((r) => r.type === T.rule)!;
                    seen.ruleParent = rule.parent?.type;
                    seen.ruleArn = typeof propsOf<{ arn?: string }>(rule).arn;
                },
            },
            {
                name: "probe-inputs",
                description: "",
                validateResource: (args) => {
                    if (args.type === "payments:migration:RoutedAlb") seen.componentInputs = Object.keys(args.props);
                    if (args.type === T.lb) seen.protect = args.opts.protect;
                },
            },
        ];
        await evaluatePolicies(probe, resolvePolicyConfig(probe, "mandatory", {}), p.states);
        assert.ok((seen.routing as string[]).includes("canary-default"));
        assert.equal(seen.ruleParent, "payments:migration:RoutedAlb");
        assert.equal(seen.ruleArn, "string");
        assert.deepEqual(seen.componentInputs, []);
        assert.equal(seen.protect, true);
    });
});

describe("policy config reconciled once per file (tools/policy/evaluate.ts resolvePolicyConfig)", () => {
    const rollback = (entry: Record<string, unknown>) => ({ "rollback-time-bounded": entry });

    it("a value JSON writes as null (Infinity, NaN) is judged as itself, not as the value kept under the same text", () => {
        // Infinity passes the schema (an integer to Ajv); null and NaN do not.
        resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, rollback({ maxRollbackMinutes: Infinity }));
        assert.throws(() => resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, rollback({ maxRollbackMinutes: null })), PolicyConfigError);
        assert.throws(() => resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, rollback({ maxRollbackMinutes: NaN })), PolicyConfigError);
    });

    it("a property set to undefined is judged as set (the schema allows no other property), not as the file without it", () => {
        resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, rollback({ maxRollbackMinutes: 15 }));
        assert.throws(
            () => resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, rollback({ maxRollbackMinutes: 15, maxRollbackMinute: undefined })),
            PolicyConfigError,
        );
    });
});
