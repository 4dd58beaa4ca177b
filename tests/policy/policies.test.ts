/**
 * The whole pack (policy/policies.ts) on generated positions: the production fixture's resources
 * with their coordinates set from generated choices (shares, live colors, stickiness, capacity,
 * images, version labels, protection), the deployed and known-good positions given through the
 * stack's reference to itself, and the position record truthful. Two promises, on a few hundred
 * generated pairs: every move toward the known-good position passes even when the deployed
 * position already breaks policies, and every forward move that breaks a limit is refused.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { positionOf, Position } from "../../lib/position";
import { ResourceView } from "../../lib/resources";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { loadPolicyConfig } from "../../tools/policy/check";
import { setNow } from "../../policy/judge";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";

type Color = "blue" | "green";
const colors: Color[] = ["blue", "green"];

interface Choices {
    routing: { route: number; catchAll: number; spring: Color; legacy: Color };
    stickiness: number;
    springCapacity: Record<Color, number>;
    legacyCapacity: Record<Color, number>;
    images: Record<Color, string>;
    versions: Record<Color, string>;
    protect: boolean;
}
type Bundle = keyof Choices;
const BUNDLES: Bundle[] = ["routing", "stickiness", "springCapacity", "legacyCapacity", "images", "versions", "protect"];

const color = fc.constantFrom<Color>("blue", "green");
const share = fc.constantFrom(0, 0.1, 1, 5, 10, 25, 50, 100);
const choices: fc.Arbitrary<Choices> = fc.record({
    routing: fc.record({ route: share, catchAll: share, spring: color, legacy: color }),
    stickiness: fc.constantFrom(60, 300, 900, 1200, 3600),
    springCapacity: fc.record({ blue: fc.constantFrom(0, 1, 3), green: fc.constantFrom(0, 1, 3) }),
    legacyCapacity: fc.record({ blue: fc.constantFrom(0, 1, 3), green: fc.constantFrom(0, 1, 3) }),
    images: fc.record({ blue: fc.constantFrom("1.3.7", "1.4.0", "1.5.0"), green: fc.constantFrom("1.3.7", "1.4.0", "1.5.0") }),
    versions: fc.record({ blue: fc.constantFrom("rails-2026.11.1", "rails-2026.11.2"), green: fc.constantFrom("rails-2026.11.1", "rails-2026.11.2") }),
    protect: fc.boolean(),
});
/** Within every bound production's policy config sets: what a confirmed known-good position can be. */
const valid: fc.Arbitrary<Choices> = choices.map((c) => ({
    ...c,
    stickiness: Math.min(c.stickiness, 900),
    springCapacity: { blue: Math.max(1, c.springCapacity.blue), green: Math.max(1, c.springCapacity.green) },
    legacyCapacity: { blue: Math.max(1, c.legacyCapacity.blue), green: Math.max(1, c.legacyCapacity.green) },
    protect: true,
}));
const takes = fc.record(Object.fromEntries(BUNDLES.map((b) => [b, fc.boolean()])) as Record<Bundle, fc.Arbitrary<boolean>>);

/** Each bundle from the deployed or the known-good choices; capacity moves with the routing (capacity before traffic). */
function mix(d: Choices, k: Choices, t: Record<Bundle, boolean>): Choices {
    const out = Object.fromEntries(BUNDLES.map((b) => [b, t[b] ? k[b] : d[b]])) as unknown as Choices;
    if (t.routing) return { ...out, springCapacity: k.springCapacity, legacyCapacity: k.legacyCapacity };
    return out;
}

// ---------------------------------------------------------------------------
// The fixture's resources with the choices' coordinates.

const REPO = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api";
const SERVICE = "aws:ecs/service:Service";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const ENV = "aws:elasticbeanstalk/environment:Environment";
const RULE = "aws:lb/listenerRule:ListenerRule";
const PROTECTED = new Set([SERVICE, ENV, "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener", "aws:cloudfront/distribution:Distribution"]);

/** Per-mille weights for a share: Spring's on the live Spring color, the rest on the live Rails color. */
function weights(spring: number, c: Choices["routing"]): Record<string, number> {
    const s = Math.round(spring * 10);
    return { [`spring-${c.spring}`]: s, [`legacy-${c.legacy}`]: 1000 - s };
}

/** A copy of the state with its inputs and outputs edited alike: the plan's own states are shared by every pair, never edited. */
function patched(state: PlannedResourceState, edit: (props: Record<string, unknown>) => void): PlannedResourceState {
    const copy = { ...state, inputs: structuredClone(state.inputs), outputs: structuredClone(state.outputs) };
    edit(copy.inputs);
    edit(copy.outputs);
    return copy;
}

const labels = new WeakMap<PlanRun, Map<string, string>>();

/** The forward of a rule's one action. */
type Forward = { targetGroups: { arn: string; weight: number }[]; stickiness: { duration: number; enabled: boolean } };

/** The plan's states with the choices' coordinates (a copy of each state that changes, the others shared). */
function statesFor(base: PlanRun, c: Choices): PlannedResourceState[] {
    let labelOf = labels.get(base);
    if (!labelOf) labels.set(base, (labelOf = new Map(Object.entries(positionOf(views(base.states)).targetGroups).map(([label, arn]) => [arn, label]))));
    const forRule: Record<string, Record<string, number> | undefined> = {
        "alb-canary-default": weights(c.routing.catchAll, c.routing),
        "alb-route-payment-status": weights(c.routing.route, c.routing),
        "alb-qa-spring": { [`spring-${c.routing.spring}`]: 1 },
        "alb-qa-legacy": { [`legacy-${c.routing.legacy}`]: 1 },
    };
    return base.states.map((s) => {
        const color = colors.find((x) => s.name.endsWith(x));
        const w = s.type === RULE ? forRule[s.name] : undefined;
        let out = s;
        if (w) {
            out = patched(out, (p) => {
                const forward = (p.actions as { forward: Forward }[])[0].forward;
                for (const g of forward.targetGroups) g.weight = w[labelOf.get(g.arn) ?? ""] ?? 0;
                if (s.name === "alb-canary-default" || s.name === "alb-route-payment-status") forward.stickiness = { enabled: true, duration: c.stickiness };
            });
        }
        if (s.type === SERVICE && color) out = patched(out, (p) => (p.desiredCount = c.springCapacity[color]));
        if (s.type === TASK && color) {
            out = patched(out, (p) => {
                const defs = JSON.parse(String(p.containerDefinitions)) as { image: string }[];
                defs[0].image = `${REPO}:${c.images[color]}`;
                p.containerDefinitions = JSON.stringify(defs);
            });
        }
        if (s.type === ENV && color) {
            out = patched(out, (p) => {
                p.version = c.versions[color];
                for (const setting of p.settings as { namespace: string; name: string; value: string }[]) {
                    if (setting.namespace === "aws:autoscaling:asg" && setting.name === "MinSize") setting.value = String(c.legacyCapacity[color]);
                }
            });
        }
        if (PROTECTED.has(s.type)) out = { ...out, options: { ...out.options, protect: c.protect } };
        return out;
    });
}

const views = (states: readonly PlannedResourceState[]): ResourceView[] =>
    states.map((s) => ({ type: s.type, name: s.name, urn: s.urn, props: s.outputs, protect: s.options.protect }));

/** The proposed resources, judged against `deployed` with `knownGood` confirmed, the record telling the truth. */
function judged(base: PlanRun, proposed: Choices, deployed: Position, knownGood: Position | null): PlanRun {
    const states = statesFor(base, proposed);
    const position = positionOf(views(states));
    const withOutputs = (s: PlannedResourceState, outputs: Record<string, unknown>) => ({ ...s, outputs: { ...s.outputs, ...outputs } });
    return {
        ...base,
        states: states.map((s) => {
            if (s.type === "pulumi:pulumi:StackReference")
                return withOutputs(s, { outputs: { ...(s.outputs.outputs as object), position: deployed, knownGood } });
            // The program exports what it records (stack.ts).
            if (s.type === "payments:migration:PositionRecord" || s.type === "pulumi:pulumi:Stack") return withOutputs(s, { position, knownGood });
            return s;
        }),
    };
}

let config: ReturnType<typeof resolvePolicyConfig> | undefined;

async function refusals(p: PlanRun): Promise<string[]> {
    config ??= resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(FIXTURES, "production"));
    const report = await evaluatePolicies(policies, config, p.states);
    return report.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}

const SEED = 20261206;

describe("the whole pack on generated positions (policy/policies.ts)", () => {
    let base: PlanRun;
    const positions = new Map<string, Position>();
    const positionFor = (c: Choices) => {
        const key = JSON.stringify(c);
        let p = positions.get(key);
        if (!p) positions.set(key, (p = positionOf(views(statesFor(base, c)))));
        return p;
    };
    before(async () => {
        base = await plan("production");
        setNow(new Date("2026-12-06T12:00:00Z"));
    });
    after(() => setNow(undefined));

    it("the fixture with its own coordinates passes (the generator changes nothing else)", async () => {
        const own: Choices = {
            routing: { route: 5, catchAll: 1, spring: "blue", legacy: "green" },
            stickiness: 300,
            springCapacity: { blue: 3, green: 2 },
            legacyCapacity: { blue: 3, green: 3 },
            images: { blue: "1.4.0", green: "1.3.7" },
            versions: { blue: "rails-2026.11.1", green: "rails-2026.11.2" },
            protect: true,
        };
        const p = positionFor(own);
        assert.deepEqual(await refusals(judged(base, own, p, p)), []);
    });

    it("every move toward the known-good position passes, whatever the deployed position breaks (200 pairs)", async () => {
        await fc.assert(
            fc.asyncProperty(choices, valid, takes, async (d, k, t) => {
                const left = await refusals(judged(base, mix(d, k, t), positionFor(d), positionFor(k)));
                if (left.length > 0) throw new Error(`refused:\n  ${left.join("\n  ")}`);
            }),
            { seed: SEED, numRuns: 200 },
        );
    });

    it("every forward move that breaks a limit is refused (100 pairs)", async () => {
        const breaks: [string, RegExp, (c: Choices) => Choices][] = [
            ["a stickiness over the bound", /^stickiness-bounded: \[stickiness-long\]/, (c) => ({ ...c, stickiness: 3600 })],
            [
                "an idle color with nothing",
                /^idle-color-warm: \[capacity-short\]/,
                (c) => ({ ...c, springCapacity: { ...c.springCapacity, [c.routing.spring === "blue" ? "green" : "blue"]: 0 } }),
            ],
            ["rollback targets unprotected", /^rollback-target-protected: \[rollback-target-unprotected\]/, (c) => ({ ...c, protect: false })],
            ["Spring jumping rungs", /^canary-step-limit: \[step-skips-rungs\]/, (c) => ({ ...c, routing: { ...c.routing, catchAll: 100, route: 100 } })],
        ];
        await fc.assert(
            fc.asyncProperty(valid, fc.constantFrom(...breaks), async (d, [, code, brk]) => {
                const deployedChoices: Choices = { ...d, routing: { ...d.routing, route: 1, catchAll: 1 } };
                const deployed = positionFor(deployedChoices);
                // The known-good position is the deployed one: the step moves away from it.
                const left = await refusals(judged(base, brk(deployedChoices), deployed, deployed));
                if (!left.some((m) => code.test(m))) throw new Error(`not refused for ${code}:\n  ${left.join("\n  ")}`);
            }),
            { seed: SEED, numRuns: 100 },
        );
    });
});
