/**
 * policy/dns.ts: dns-owned. Every record is an A/AAAA alias to a distribution or the ALB of the
 * stack, a name sent to CloudFront is one the distribution serves, and a forward move neither
 * removes nor replaces a record of the deployed stack. Code changes ride a forward step (Spring
 * 1 → 5 %), or a cut-in step on the cut-in fixture; a move back to the known-good records passes.
 */
import { strict as assert } from "node:assert";
import type { PolicyResource } from "@pulumi/policy";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../lib/cutin";
import { dnsOwned } from "../../policy/dns";
import { format, judgementOf } from "../../policy/judge";
import { PlanRun, PlannedResourceState, runPlan } from "../../tools/plan/run";
import { CUTIN, T, UNKNOWN, added, against, codes, codesOf, deployment, mutated, planOf, prop, setProp, update } from "./harness";

const POLICY = "dns-owned";
const RECORD = "aws:route53/record:Record";
/** A forward step that passes the whole pack: the code changes below ride it. */
const step = () => update(["canary.weight=5"]);
const at = { dir: CUTIN };
const on = { at, today: "2026-11-20" };
const cut = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];
const record = (p: PlanRun, name: string, edit: (r: PlannedResourceState) => void) => mutated(p, (f) => edit(f(RECORD, name)));

describe("policy/dns.ts", () => {
    describe("dns-owned: every record an alias to this stack's edge or ALB, for a name the edge serves", () => {
        it("the planned records pass: production's viewer and origin records, and the cut-in's adopted records at every phase", async () => {
            assert.deepEqual(await codesOf(await step(), POLICY), []);
            for (const [i, phase] of CUTIN_PHASES.slice(1).entries()) {
                assert.deepEqual(await codesOf(await update(cut(phase), { from: cut(CUTIN_PHASES[i]), at }), POLICY, on), [], phase);
            }
        });

        it("dns-alias-foreign: a record repointed at a distribution the stack does not declare; putting it back passes", async () => {
            const good = await planOf([]);
            const bad = record(good, "viewer-dns-0-a", (r) => setProp(r, "aliases.0.name", "d3rogue0edge01.cloudfront.net"));
            assert.deepEqual(await codesOf(against(bad, deployment(good)), POLICY), ["dns-alias-foreign"]);
            assert.deepEqual(await codes(against(good, deployment(bad, good))), {});
            // An adopted record of the cut-in changed to another CloudFront name is judged too.
            const staged = await update(cut("staged"), { from: cut("adopted"), at });
            const adopted = record(staged, "cutin-record-0-a", (r) => setProp(r, "aliases.0.name", "d9other0edge.cloudfront.net"));
            assert.deepEqual(await codesOf(adopted, POLICY, on), ["dns-alias-foreign"]);
        });

        it("dns-alias-foreign waits while a distribution's domain is not known: the adoption's first preview (offline, the imported one's) passes", async () => {
            const first = await runPlan({ stack: "production", dir: CUTIN, firstDeploy: true });
            assert.deepEqual(await codesOf(first, POLICY, on), []);
            // Known again, the same foreign alias is refused.
            const good = await planOf([]);
            const bad = record(good, "viewer-dns-0-a", (r) => setProp(r, "aliases.0.name", "d3rogue0edge01.cloudfront.net"));
            const unknownEdge = mutated(bad, (f) => (f(T.dist, "edge").outputs.domainName = UNKNOWN));
            assert.deepEqual(await codesOf(against(unknownEdge, deployment(good)), POLICY), []);
            assert.deepEqual(await codesOf(against(bad, deployment(good)), POLICY), ["dns-alias-foreign"]);
        });

        it("dns-name-not-served: a name sent to CloudFront that the distribution does not list as an alternate domain name", async () => {
            const p = await step();
            assert.deepEqual(
                await codesOf(
                    record(p, "viewer-dns-0-a", (r) => setProp(r, "name", "apl.payments.example.com")),
                    POLICY,
                ),
                ["dns-name-not-served"],
            );
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => setProp(f(T.dist, "edge"), "aliases", [])),
                    POLICY,
                ),
                ["dns-name-not-served"],
            );
            // Route 53 and CloudFront compare names without case and without the final dot.
            assert.deepEqual(
                await codesOf(
                    record(p, "viewer-dns-0-a", (r) => setProp(r, "name", "API.payments.example.com.")),
                    POLICY,
                ),
                [],
            );
            // The cut-in's staging distribution serves no hostname: a record sent there is refused.
            const staged = await update(cut("staged"), { from: cut("adopted"), at });
            const stagingDomain = prop<string>(
                staged.states.find((s) => s.name === "cutin-staging")!,
                "domainName",
            );
            const toStaging = record(staged, "cutin-record-0-a", (r) => setProp(r, "aliases.0.name", stagingDomain));
            assert.deepEqual(await codesOf(toStaging, POLICY, on), ["dns-name-not-served"]);
        });

        it("dns-record-shape: only A and AAAA records with exactly one alias", async () => {
            const p = await step();
            assert.deepEqual(
                await codesOf(
                    record(p, "viewer-dns-0-a", (r) => setProp(r, "type", "CNAME")),
                    POLICY,
                ),
                ["dns-record-shape"],
            );
            const two = record(p, "viewer-dns-0-a", (r) => setProp(r, "aliases", [...prop<unknown[]>(r, "aliases"), ...prop<unknown[]>(r, "aliases")]));
            assert.deepEqual(await codesOf(two, POLICY), ["dns-record-shape"]);
        });

        it("an ALB alias names this stack's ALB in its zone (dualstack. or not), never for a hostname the edge serves", async () => {
            const p = await step();
            const origin = (edit: (r: PlannedResourceState) => void) => record(p, "edge-origin-a", edit);
            assert.deepEqual(
                await codesOf(
                    origin((r) => setProp(r, "aliases.0.name", "other-lb-123.eu-west-1.elb.amazonaws.com")),
                    POLICY,
                ),
                ["dns-alias-foreign"],
            );
            assert.deepEqual(
                await codesOf(
                    origin((r) => setProp(r, "aliases.0.zoneId", "Z0EXAMPLE00000000000001")),
                    POLICY,
                ),
                ["dns-alias-foreign"],
            );
            assert.deepEqual(
                await codesOf(
                    origin((r) => setProp(r, "aliases.0.name", `dualstack.${prop<string>(r, "aliases.0.name")}`)),
                    POLICY,
                ),
                [],
            );
            const api = origin((r) => setProp(r, "name", "api.payments.example.com"));
            assert.deepEqual(await codesOf(api, POLICY), ["dns-name-bypasses-edge"]);
        });

        it("dns-alias-foreign: a new record in the zone aliasing a distribution outside the stack", async () => {
            const p = mutated(await step(), (_f, states) =>
                states.push(
                    added(RECORD, "checkout-a", {
                        zoneId: "Z0EXAMPLE00000000000001",
                        name: "checkout.payments.example.com",
                        type: "A",
                        aliases: [{ name: "d2partner0promo.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }],
                    }),
                ),
            );
            assert.deepEqual(await codesOf(p, POLICY), ["dns-alias-foreign", "dns-name-not-served"]);
        });

        it("dns-record-replaced: a record of the deployed stack created anew (no id in the preview); a new record is no replacement", async () => {
            const p = await step();
            assert.deepEqual(
                await codesOf(
                    record(p, "viewer-dns-0-a", (r) => (r.outputs.id = UNKNOWN)),
                    POLICY,
                ),
                ["dns-record-replaced"],
            );
            const fresh = mutated(p, (f, states) => {
                const copy = structuredClone(f(RECORD, "viewer-dns-0-a"));
                copy.name = "viewer-dns-1-a";
                copy.urn = copy.urn.replace(/::viewer-dns-0-a$/, "::viewer-dns-1-a");
                copy.outputs.id = UNKNOWN;
                states.push(copy);
            });
            assert.deepEqual(await codesOf(fresh, POLICY), []);
        });

        it("dns-record-removed: a forward move never deletes a deployed record; a move back that drops one the known-good position lacks passes", async () => {
            const good = await planOf([]);
            const without = mutated(good, (f, states) => states.splice(states.indexOf(f(RECORD, "viewer-dns-0-aaaa")), 1));
            assert.deepEqual(await codesOf(against(without, deployment(good)), POLICY), ["dns-record-removed"]);
            const extra = mutated(good, (f, states) => {
                const copy = structuredClone(f(RECORD, "viewer-dns-0-aaaa"));
                copy.name = "viewer-dns-extra";
                copy.urn = copy.urn.replace(/::viewer-dns-0-aaaa$/, "::viewer-dns-extra");
                states.push(copy);
            });
            assert.deepEqual(await codes(against(good, deployment(extra, good))), {});
        });

        it("a record moved in code with the aliases option (its old URN) is no removal", async () => {
            const good = await planOf([]);
            const renamed = against(
                mutated(good, (f) => {
                    const r = f(RECORD, "viewer-dns-0-aaaa");
                    r.name = "viewer-dns-api-aaaa";
                    r.urn = r.urn.replace(/::viewer-dns-0-aaaa$/, "::viewer-dns-api-aaaa");
                }),
                deployment(good),
            );
            const oldUrn = good.states.find((s) => s.name === "viewer-dns-0-aaaa")!.urn;
            // The offline evaluation passes no aliases option: judge the policy's forward part on the resources as the engine sends them.
            const judge = (aliases: string[]) => {
                const resources = renamed.states.map((s) => ({
                    type: s.type,
                    name: s.name,
                    urn: s.urn,
                    props: s.outputs,
                    opts: {
                        protect: s.options.protect,
                        ignoreChanges: [],
                        aliases: s.name === "viewer-dns-api-aaaa" ? aliases : [],
                        additionalSecretOutputs: [],
                    },
                    dependencies: [],
                    propertyDependencies: {},
                }));
                return (dnsOwned.pack.forward?.(judgementOf(resources as unknown as PolicyResource[]), {}) ?? []).map(format);
            };
            assert.deepEqual(
                judge([]).map((m) => /^\[([a-z-]+)\]/.exec(m)?.[1]),
                ["dns-record-removed"],
            );
            assert.deepEqual(judge([oldUrn]), []);
        });
    });
});
