import { strict as assert } from "node:assert";
import * as path from "node:path";
import { diffPositions } from "../../lib/compare";
import {
    POSITION_VERSION,
    Position,
    UNKNOWN_FINGERPRINT,
    knownGoodAfter,
    positionDigest,
    positionOf,
    readDeployedPositions,
    readPosition,
} from "../../lib/position";
import { ResourceView } from "../../lib/resources";
import { PlanRun } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";

const CUTIN = path.join(FIXTURES, "cutin");
const views = (p: PlanRun): ResourceView[] => p.states.map((s) => ({ type: s.type, name: s.name, urn: s.urn, props: s.outputs, protect: s.options.protect }));
const exported = (p: PlanRun): Position => {
    const position = readPosition(p.outputs.position);
    if (typeof position === "string") throw new Error(position);
    return position;
};

describe("lib/position (one position, computed from the resources)", () => {
    it("reads production's traffic, colors, runs, capacity, protection and origin-verify slots from its resources", async () => {
        const p = positionOf(views(await plan("production")));
        assert.deepEqual(
            p.traffic.map((e) => [e.rule, e.paths, e.shares, e.stickiness]),
            [
                ["route-payment-status", ["/v1/payments/*/status"], { "legacy-green": 95, "spring-blue": 5 }, 300],
                ["canary-default", null, { "legacy-green": 99, "spring-blue": 1 }, 300],
            ],
        );
        assert.deepEqual(p.liveColors, { spring: "blue", legacy: "green" });
        assert.equal(p.runs.spring.blue, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0");
        assert.deepEqual(p.runs.legacy, { blue: "rails-2026.11.1", green: "rails-2026.11.2" });
        assert.deepEqual(p.capacity, { spring: { blue: 3, green: 2 }, legacy: { blue: 3, green: 3 } });
        assert.ok(Object.values(p.protect).every(Boolean) && Object.keys(p.protect).length === 9, JSON.stringify(p.protect));
        assert.deepEqual(p.originVerify, { send: "a", accept: ["a"], generation: { a: 1, b: 1 } });
        assert.deepEqual(p.edge.phase, "promoted");
        assert.equal(p.edge.oldOrigin, null);
        assert.equal(p.stickinessSeconds, 300);
    });

    it("the program exports exactly the position of its resources (the record the pack checks): both stacks, every cut-in phase", async () => {
        const runs = [await plan("production"), await plan("staging")];
        for (const phaseSets of [[], ["cutin.phase=staged"], ["cutin.phase=header"]]) runs.push(await plan("production", phaseSets, [], CUTIN));
        for (const run of runs)
            assert.deepEqual(diffPositions(exported(run), positionOf(views(run))), [], `${run.stack}: the export is not the resources' position`);
    });

    it("reads the cut-in phase from the edge resources, not from the cut-in's config", async () => {
        const at = async (sets: string[]) => positionOf(views(await plan("production", sets, [], CUTIN))).edge;
        assert.deepEqual(await at([]), {
            phase: "adopted",
            weight: 0,
            oldOrigin: "payments-prod.eu-west-1.elasticbeanstalk.com",
            primary: (await at([])).primary,
            webAcl: (await at([])).webAcl,
        });
        assert.equal((await at(["cutin.phase=staged"])).phase, "staged");
        assert.equal((await at(["cutin.phase=header"])).phase, "header");
    });

    it("never carries a generated secret's value, only its name", async () => {
        // The plan holds placeholders; give every generated secret a real-looking value, everywhere it appears.
        const run = await plan("production");
        const values = new Map<string, string>();
        const text = JSON.stringify(run.states).replace(/\[secret:([a-z-]+)\]/g, (_, name: string) => {
            if (!values.has(name)) values.set(name, `Zq${name.replace(/-/g, "")}9x7Kp2Lm4Nv6Bc8Df0Gh`);
            return values.get(name)!;
        });
        assert.ok(values.size >= 2, "the fixture has generated secrets");
        const states = JSON.parse(text) as PlanRun["states"];
        const position = JSON.stringify(
            positionOf(states.map((x) => ({ type: x.type, name: x.name, urn: x.urn, props: x.outputs, protect: x.options.protect }))),
        );
        for (const value of values.values()) assert.ok(!position.includes(value), "a secret value in the position");
        assert.ok(
            positionOf(states.map((x) => ({ type: x.type, name: x.name, urn: x.urn, props: x.outputs, protect: x.options.protect }))).originVerify.send === "a",
            "the slots are still read",
        );
    });

    it("fingerprints every property the coordinates do not cover, and only those", async () => {
        const run = await plan("production");
        const base = positionOf(views(run));
        const edited = (type: string, name: string, edit: (props: Record<string, unknown>) => void) => {
            const copy = structuredClone(run.states);
            const s = copy.find((x) => x.type === type && x.name === name)!;
            edit(s.outputs);
            return positionOf(copy.map((x) => ({ type: x.type, name: x.name, urn: x.urn, props: x.outputs, protect: x.options.protect })));
        };
        const tg = edited("aws:lb/targetGroup:TargetGroup", "spring-blue-tg", (p) => ((p.healthCheck as Record<string, unknown>).path = "/other"));
        assert.deepEqual(
            diffPositions(base, tg).map((l) => l.split(":")[0]),
            ["fingerprints.payments"],
            "a health-check path is no coordinate: it changes the fingerprint",
        );
        const weights = edited("aws:lb/listenerRule:ListenerRule", "alb-canary-default", (p) => {
            const groups = (p.actions as { forward: { targetGroups: { weight: number }[] } }[])[0].forward.targetGroups;
            groups[1].weight = 950;
            groups[2].weight = 50;
        });
        assert.ok(
            diffPositions(base, weights).every((l) => l.startsWith("traffic.")),
            diffPositions(base, weights).join("\n"),
        );
    });

    it("an unknown value (a preview) makes its resource's fingerprint unknown, never a guess", async () => {
        const run = await plan("production");
        const copy = structuredClone(run.states);
        const svc = copy.find((x) => x.type === "aws:ecs/service:Service" && x.name === "spring-blue")!;
        const unknownError = class UnknownValueError extends Error {};
        const props = new Proxy(svc.outputs, {
            get: (t, k) =>
                k === "healthCheckGracePeriodSeconds"
                    ? (() => {
                          throw new unknownError("unknown");
                      })()
                    : t[k as string],
        });
        const p = positionOf(copy.map((x) => ({ type: x.type, name: x.name, urn: x.urn, props: x === svc ? props : x.outputs, protect: x.options.protect })));
        assert.equal(p.fingerprints["payments:migration:FargateService$aws:ecs/service:Service::spring-blue"], UNKNOWN_FINGERPRINT);
    });

    it("reads a position back, and says which part it cannot judge", async () => {
        const good = positionOf(views(await plan("production")));
        assert.deepEqual(readPosition(JSON.parse(JSON.stringify(good))), good);
        assert.equal(readPosition(undefined), "the deployed stack exports no position");
        assert.equal(readPosition({ ...good, version: 1 }), `position version 1 is not ${POSITION_VERSION}`);
        assert.equal(readPosition({ ...good, traffic: [{ rule: "x" }] }), "position.traffic is missing or malformed");
        assert.equal(readPosition({ ...good, originVerify: { ...good.originVerify, send: "c" } }), "position.originVerify is missing or malformed");
        assert.equal(readPosition({ ...good, fingerprints: { a: 1 } }), "position.fingerprints is missing or malformed");
    });

    it("reads the deployed outputs as the pack and the tool both do: a missing knownGood is none confirmed; another version or a malformed pointer is a problem", async () => {
        const good = JSON.parse(JSON.stringify(positionOf(views(await plan("production"))))) as Position;
        assert.deepEqual(readDeployedPositions({ position: good, knownGood: good }), { position: good, knownGood: good });
        assert.deepEqual(readDeployedPositions({ position: good, knownGood: null }), { position: good, knownGood: null });
        // A program version from before the pointer exported none: every move is then judged forward.
        assert.deepEqual(readDeployedPositions({ position: good }), { position: good, knownGood: null });
        assert.deepEqual(readDeployedPositions({ position: { version: 1, traffic: [] }, knownGood: good }), {
            problem: `position version 1 is not ${POSITION_VERSION}`,
        });
        assert.deepEqual(readDeployedPositions({ position: good, knownGood: { version: POSITION_VERSION } }), {
            problem: "knownGood.traffic is missing or malformed",
        });
        assert.deepEqual(readDeployedPositions({}), { problem: "the deployed stack exports no position" });
    });

    it("the known-good pointer moves only to the deployed position its digest confirms", async () => {
        const deployed = positionOf(views(await plan("production")));
        const earlier = { ...deployed, liveColors: { ...deployed.liveColors, spring: "green" as const } };
        assert.notEqual(positionDigest(deployed), positionDigest(earlier));
        assert.match(positionDigest(deployed), /^[0-9a-f]{12}$/);
        assert.deepEqual(knownGoodAfter({ deployedPosition: deployed, deployedKnownGood: earlier, confirm: positionDigest(deployed) }), deployed);
        assert.deepEqual(
            knownGoodAfter({ deployedPosition: deployed, deployedKnownGood: earlier, confirm: positionDigest(earlier) }),
            earlier,
            "a stale confirmation keeps the pointer",
        );
        assert.deepEqual(knownGoodAfter({ deployedPosition: deployed, deployedKnownGood: earlier }), earlier);
        assert.equal(knownGoodAfter({ deployedPosition: deployed, deployedKnownGood: undefined }), null);
        assert.equal(knownGoodAfter({ deployedPosition: undefined, deployedKnownGood: undefined, confirm: positionDigest(deployed) }), null);
    });
});
