/**
 * The closed world's rows (lib/resourceModel.ts) against the pack and against the program:
 * every judge a row names is a policy of the pack (or "inert"), and every resource type and
 * input property the program itself declares, in every fixture stack and cut-in phase, has a
 * row. A closed world that refuses the program's own resources would block every update.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { positionDigest, positionOf } from "../../lib/position";
import { RESOURCE_MODEL, optionProblems, unknownProperties } from "../../lib/resourceModel";
import { policies } from "../../policy/policies";
import { PlanRun } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { viewsOf } from "../policy/harness";

const CUTIN = path.join(FIXTURES, "cutin");
const PROVIDER_PREFIX = "pulumi:providers:";

/** The fixture plans: both stacks, and the cut-in fixture at each phase it moves through (and its end). */
const PLANS: { label: string; run: () => Promise<PlanRun> }[] = [
    { label: "production", run: () => plan("production") },
    { label: "staging", run: () => plan("staging") },
    ...(
        [
            ["adopted"],
            ["staged"],
            ["header"],
            ["weight", "cutin.edgeWeight=5"],
            ["promoting", "cutin.edgeWeight=15"],
            ["detached", "cutin.edgeWeight=15"],
            ["promoted"],
            ["promoted", "cutin.retired=true", "cutin.cutinDate=2020-01-01"],
        ] as const
    ).map(([phase, ...more]) => {
        const sets = [`cutin.phase=${phase}`, ...more];
        return { label: `cut-in production ${sets.join(" ")}`, run: () => plan("production", sets, sets, CUTIN) };
    }),
];

describe("lib/resourceModel.ts (the closed world's rows)", () => {
    it("every judge is inert or a policy of the pack", () => {
        const names = new Set(policies.map((p) => p.name));
        const unknown = Object.entries(RESOURCE_MODEL).flatMap(([type, model]) =>
            Object.entries(model.props)
                .filter(([, judge]) => judge !== "inert" && !names.has(judge))
                .map(([prop, judge]) => `${type}.${prop}: ${judge}`),
        );
        assert.deepEqual(unknown, []);
    });

    it("a property set to a value the model has no row for is found (the helper the closed world uses)", () => {
        const role = "aws:iam/role:Role";
        assert.deepEqual(unknownProperties(role, { assumeRolePolicy: "{}", permissionsBoundary: null }), []);
        assert.deepEqual(
            unknownProperties(role, { permissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess" }).map((x) => x.key),
            ["permissionsBoundary"],
        );
    });

    for (const { label, run } of PLANS) {
        it(`${label}: every resource type, input property and option the program declares has a row`, async () => {
            const p = await run();
            const problems = p.resources
                .filter((r) => !r.type.startsWith(PROVIDER_PREFIX))
                .flatMap((r) => {
                    if (!RESOURCE_MODEL[r.type]) return [`${r.type} ${r.name}: no row for the type`];
                    return [
                        ...unknownProperties(r.type, r.inputs).map(({ key, value }) => `${r.type} ${r.name}: no row for ${key} (${value})`),
                        ...optionProblems(r.type, r.options).map((o) => `${r.type} ${r.name}: ${o}`),
                    ];
                });
            assert.ok(p.resources.length > 20, `${label}: ${p.resources.length} resources`);
            assert.deepEqual(problems, []);
        });
    }

    /** A value other than `v`, of its kind (what a code change could set). */
    const other = (v: unknown): unknown =>
        Array.isArray(v)
            ? [...(v as unknown[]), "probe"]
            : typeof v === "string"
              ? `${v}-probe`
              : typeof v === "number"
                ? v + 1
                : typeof v === "boolean"
                  ? !v
                  : { ...(v as object), probe: 1 };

    // "Same" excuses every finding about the resources (policy/judge.ts): a property a policy judges
    // that the position does not see would ride along with a move that changes nothing else. So every
    // property a row lists, on every resource the position is computed from, changes the position.
    for (const { label, run } of PLANS.slice(0, 3)) {
        it(`${label}: a change to any listed property of any resource changes the position`, async () => {
            const p = await run();
            const views = viewsOf(p);
            const before = positionDigest(positionOf(views));
            const blind: string[] = [];
            for (const [i, view] of views.entries()) {
                const model = RESOURCE_MODEL[view.type];
                if (!model?.strip) continue;
                // A property the fixture leaves unset has no kind to keep (the provider checks types): not probed here.
                for (const prop of Object.keys(model.props).filter((k) => view.props[k] !== undefined && view.props[k] !== null)) {
                    const changed = views.map((v, k) => (k === i ? { ...v, props: { ...v.props, [prop]: other(v.props[prop]) } } : v));
                    if (positionDigest(positionOf(changed)) === before) blind.push(`${view.type} ${view.name}.${prop}`);
                }
            }
            assert.deepEqual(blind, []);
        });
    }
});
