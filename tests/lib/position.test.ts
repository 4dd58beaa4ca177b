import { strict as assert } from "node:assert";
import * as path from "node:path";
import { diffPositions } from "../../lib/compare";
import {
    POSITION_VERSION,
    Position,
    UNKNOWN_FINGERPRINT,
    canonical,
    knownGoodAfter,
    positionDigest,
    positionOf,
    readDeployedPositions,
    readPosition,
    releaseOf,
    serviceTaskDefinition,
} from "../../lib/position";
import { ResourceView, UNKNOWN } from "../../lib/resources";
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
        assert.match(String(p.runs.spring.blue), /^\[settings [0-9a-f]{12}\] 111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/payments-api:1\.4\.0$/);
        assert.equal(releaseOf(p.runs.spring.blue), "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0");
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

    it("a service whose task definition is unknown (a preview) runs its own color's only while that one is being registered too", async () => {
        const run = await plan("production");
        /** The views with the blue service's taskDefinition unknown, and these task definitions' ARNs unknown (re-registered). */
        const preview = (registered: string[]) =>
            views(run).map((v) => {
                const unknownArn = v.type === "aws:ecs/taskDefinition:TaskDefinition" && registered.includes(v.name);
                const unknownRef = v.type === "aws:ecs/service:Service" && v.name === "spring-blue";
                return unknownArn || unknownRef ? { ...v, props: { ...v.props, ...(unknownArn ? { arn: UNKNOWN } : { taskDefinition: UNKNOWN }) } } : v;
            });
        const blueOf = (vs: ResourceView[]) =>
            serviceTaskDefinition(
                vs,
                vs.find((v) => v.type === "aws:ecs/service:Service" && v.name === "spring-blue")!,
            );
        // A new revision of blue's own task definition: blue runs it.
        const ownNew = preview(["spring-blue-task"]);
        assert.equal(blueOf(ownNew)?.name, "spring-blue-task");
        assert.equal(releaseOf(positionOf(ownNew).runs.spring.blue), "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.4.0");
        // Blue's own is known and unchanged, so the unknown reference names another one (green's, re-registered: red team C 6.1): unreadable.
        const elsewhere = preview(["spring-green-task"]);
        assert.equal(blueOf(elsewhere), null);
        assert.equal(positionOf(elsewhere).runs.spring.blue, null);
    });

    describe("runs: what a color runs is its release and every setting it runs with (red team C class 8)", () => {
        const IMAGE = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api@sha256:${"a".repeat(64)}`;
        type Container = Record<string, unknown> & { environment?: { name: string; value: string }[] };
        const app = (): Container => ({
            name: "app",
            image: IMAGE,
            essential: true,
            environment: [
                { name: "FEATURE_X", value: "on" },
                { name: "SERVER_PORT", value: "8080" },
                { name: "SERVER_TOMCAT_KEEPALIVETIMEOUT", value: "75s" },
            ],
            secrets: [{ name: "DB_URL", valueFrom: "arn:aws:ssm:eu-west-1:111111111111:parameter/db" }],
        });
        const td = (containers: unknown): ResourceView => ({
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "spring-blue-task",
            urn: "urn:td",
            props: { containerDefinitions: typeof containers === "string" ? containers : JSON.stringify(containers), tags: { "payments:color": "blue" } },
            protect: false,
        });
        const blue = (containers: unknown) => positionOf([td(containers)]).runs.spring.blue;
        const base = blue([app()]);

        it("names the app image last (a pinned image still reads as pinned) and changes with any container setting, sidecars included", () => {
            assert.equal(releaseOf(base), IMAGE);
            assert.ok(String(base).endsWith(IMAGE));
            const edits: [string, (c: Container[]) => void][] = [
                ["a variable", (c) => c[0].environment!.push({ name: "SPRING_PROFILES_ACTIVE", value: "sandbox" })],
                ["a variable's value", (c) => (c[0].environment![0].value = "off")],
                ["a secret's source", (c) => (c[0].secrets = [{ name: "DB_URL", valueFrom: "arn:aws:ssm:eu-west-1:111111111111:parameter/other" }])],
                ["the command", (c) => (c[0].command = ["java", "-jar", "/app.jar"])],
                ["the entry point", (c) => (c[0].entryPoint = ["sh", "-c"])],
                ["a sidecar", (c) => c.push({ name: "log-router", image: "fluent-bit:2.32.0", essential: false })],
                ["the app image", (c) => (c[0].image = `${IMAGE.slice(0, -1)}b`)],
            ];
            for (const [what, edit] of edits) {
                const containers = [app()];
                edit(containers);
                assert.notEqual(blue(containers), base, what);
            }
            const command = (args: string[]) => blue([{ ...app(), command: args }]);
            assert.notEqual(command(["-Dspring.profiles.active=a", "-jar"]), command(["-jar", "-Dspring.profiles.active=a"]), "arguments in order");
            const json = (text: string) => blue([{ ...app(), environment: [{ name: "SPRING_APPLICATION_JSON", value: text }] }]);
            assert.notEqual(json('{"hosts":["a","b"]}'), json('{"hosts":["b","a"]}'), "a JSON variable is its text");
            const sidecar = (image: string) => blue([app(), { name: "log-router", image, essential: false }]);
            assert.notEqual(sidecar("fluent-bit:2.32.0"), sidecar("netshoot:latest"), "a sidecar's image");
        });

        it("does not change with the order of variables or secrets, nor with the values other rules tie to the port mapping and the ALB", () => {
            const reordered = app();
            reordered.environment!.reverse();
            assert.equal(blue([reordered]), base);
            const keepalive = app();
            keepalive.environment![2].value = "45s";
            assert.equal(blue([keepalive]), base);
            const port = app();
            port.environment![1].value = "9090";
            assert.equal(blue([port]), base, "SERVER_PORT must be the port mapping (task-port-mismatch)");
            const mapped = app();
            mapped.portMappings = [{ containerPort: 9090, protocol: "tcp" }];
            assert.notEqual(blue([mapped]), base, "the port mapping counts");
            const named = app();
            named.environment!.push({ name: "toString", value: "x" });
            assert.notEqual(blue([named]), base);
            const without = app();
            without.environment!.splice(2, 1);
            assert.notEqual(blue([without]), base, "its presence still counts");
        });

        it("is what an offline plan and AWS's stored form of the same definition agree on: no log group name, no defaults AWS adds", () => {
            const logged = (group: string): Container => ({
                ...app(),
                logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": group, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "blue" } },
                portMappings: [{ containerPort: 8080, protocol: "tcp" }],
            });
            const planned = blue([logged("spring-blue-logs-c014279")]);
            const stored = {
                ...logged("spring-blue-logs-9a8b7c6"),
                cpu: 0,
                mountPoints: [],
                volumesFrom: [],
                portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
            };
            assert.equal(blue([stored]), planned);
        });

        it("cannot be read from definitions that are not JSON or have no single essential container", () => {
            assert.equal(blue("not json"), null);
            assert.equal(blue([app(), { ...app(), name: "second" }]), null);
        });

        it("Beanstalk: the version label alone without environment properties; the properties' digest with them, and nothing else", () => {
            const env = (settings: { namespace: string; name: string; value: string }[]): ResourceView => ({
                type: "aws:elasticbeanstalk/environment:Environment",
                name: "legacy-green",
                urn: "urn:env",
                props: { version: "rails-2026.11.2", settings, tags: { "payments:color": "green" } },
                protect: false,
            });
            const green = (settings: { namespace: string; name: string; value: string }[]) => positionOf([env(settings)]).runs.legacy?.green;
            const asg = { namespace: "aws:autoscaling:asg", name: "MinSize", value: "3" };
            const prop = (name: string, value: string) => ({ namespace: "aws:elasticbeanstalk:application:environment", name, value });
            assert.equal(green([asg]), "rails-2026.11.2");
            const staging = green([asg, prop("RAILS_ENV", "staging")]);
            assert.match(String(staging), /^\[environment [0-9a-f]{12}\] rails-2026\.11\.2$/);
            assert.equal(releaseOf(staging), "rails-2026.11.2");
            assert.notEqual(green([asg, prop("RAILS_ENV", "production")]), staging);
            assert.equal(green([prop("RAILS_ENV", "staging"), { ...asg, value: "5" }]), staging, "capacity is its own coordinate");
        });
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

    it("canonical() orders a list of plain values by code units, the same in every process (not by the locale: da_DK puts `aa` after `b`)", () => {
        // Where the two orders differ (mixed case, `_` against letters, IPv6 `::` against `:1`) the
        // first update after the change of order moves such a fingerprint once (docs/policies.md).
        const list = ["2001:db8::/48", "2001:db8:1::/48", "PaymentsTask", "payments_exec"];
        const byLocale = [...list].sort((a, b) => a.localeCompare(b, "en"));
        assert.deepEqual(canonical(list, new Map()), ["2001:db8:1::/48", "2001:db8::/48", "PaymentsTask", "payments_exec"]);
        assert.notDeepEqual(canonical(list, new Map()), byLocale, "a list whose order changed with this version");
    });
});
