/**
 * The `pulumi config set` commands the canary tool prints (issue 10.3): applied with the
 * CLI's semantics — the same `applyConfigChange` the plan's `--set` uses — they give exactly
 * the config the tool wrote, for every kind of step.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { modelFromFlatConfig } from "../../../lib/config";
import { DEFAULT_LADDER } from "../../../lib/ladder";
import { configCommands, formatConfigPath } from "../../../tools/canary/configCommands";
import { proposeDecommission } from "../../../tools/canary/decommission";
import { Proposal, proposeFlip, proposeNext, proposeOriginVerifyRotation, proposeRelease, proposeRollback } from "../../../tools/canary/proposals";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { ConfigChange, applyConfigChange, loadedFromValues, parseConfigPath } from "../../../tools/plan/stackFile";
import { FIXTURES, PROJECT } from "../../helpers";

/** POSIX-shell words of one printed line: bare words and single-quoted strings ('\'' inside). */
function words(line: string): string[] {
    const out: string[] = [];
    const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
    for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
    return out;
}

/** A printed command as the CLI reads it; throws on anything the CLI would not accept the way the tool means it. */
function asChange(line: string, stack: string): ConfigChange {
    const w = words(line);
    assert.deepEqual(w.slice(0, 2), ["pulumi", "config"], line);
    assert.deepEqual(w.slice(3, 5), ["--stack", stack], line);
    const rest = w.slice(5);
    assert.equal(rest.shift(), "--path", line);
    if (w[2] === "rm") {
        assert.equal(rest.length, 1, line);
        return { key: rest[0], remove: true };
    }
    assert.equal(w[2], "set", line);
    let asString = false;
    if (rest[0] === "--secret") rest.shift();
    if (rest[0] === "--type") {
        assert.equal(rest[1], "string");
        asString = true;
        rest.splice(0, 2);
    }
    const [key, dashdash, text, ...extra] = rest;
    assert.equal(dashdash, "--", line);
    assert.deepEqual(extra, [], line);
    assert.ok(!/^".*"$/.test(text), `${line}: a JSON-quoted value would be stored with its quotes`);
    return { key, text, asString };
}

function check(stack: string, text: string, proposal: Proposal): number {
    let checked = 0;
    let current = text;
    for (const step of proposal.steps) {
        const doc = new StackDocument(PROJECT, stack, current);
        const lines = step.edits.flatMap((e) => configCommands(e, { stack, before: doc.get(e.path), isSecret: (p) => doc.isSecure(p) }));
        for (const e of step.edits) doc.set(e.path, e.value);
        const values = { ...(parse(current).config as Record<string, unknown>) };
        for (const line of lines) applyConfigChange(values, PROJECT, asChange(line, stack));
        const byHand = loadedFromValues(values, PROJECT, stack);
        const byTool = doc.loaded();
        assert.deepEqual(
            modelFromFlatConfig(byHand.config, PROJECT, stack),
            modelFromFlatConfig(byTool.config, PROJECT, stack),
            `${proposal.command}: ${step.description}\n${lines.join("\n")}`,
        );
        checked += lines.length;
        current = doc.toString();
    }
    return checked;
}

describe("printed pulumi config commands (as the CLI applies them)", () => {
    const text = fs.readFileSync(path.join(FIXTURES, "Pulumi.production.yaml"), "utf8");
    const model = () => modelFromFlatConfig(new StackDocument(PROJECT, "production", text).loaded().config, PROJECT, "production");

    it("every step of every command gives, applied by hand, the config the tool writes", () => {
        const m = model();
        const withGood = new StackDocument(PROJECT, "production", text);
        withGood.set("canary.weight", 10);
        withGood.set("spring.liveColor", m.spring.liveColor === "blue" ? "green" : "blue");
        const afterMove = modelFromFlatConfig(withGood.loaded().config, PROJECT, "production");
        const proposals = [
            proposeNext(m, DEFAULT_LADDER),
            ...m.canary.routes.map((r) => proposeNext(m, DEFAULT_LADDER, r.name)),
            proposeFlip(m, "spring", m.spring.liveColor === "blue" ? "green" : "blue", 1),
            proposeFlip(m, "legacy", m.legacy.liveColor === "blue" ? "green" : "blue", 1),
            proposeRelease(m, "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"),
            proposeRelease(m, "legacy", "2026"),
            proposeOriginVerifyRotation(m),
        ];
        let lines = proposals.reduce((n, p) => n + check("production", text, p), 0);
        const at100 = new StackDocument(PROJECT, "production", text);
        at100.set("canary.weight", 100);
        m.canary.routes.forEach((_, i) => at100.set(`canary.routes[${i}].weight`, 100));
        lines += check("production", at100.toString(), proposeDecommission(modelFromFlatConfig(at100.loaded().config, PROJECT, "production")));
        const good = { weight: 0.5, routes: { [m.canary.routes[0]?.name ?? "x"]: 1 }, liveColors: { legacy: m.legacy.liveColor, spring: m.spring.liveColor } };
        lines += check("production", withGood.toString(), proposeRollback(afterMove, good));
        assert.ok(lines >= 20, `only ${lines} commands checked`);
    });

    it("objects are set one leaf per command; a shorter list loses its last items with config rm; no JSON on the command line", () => {
        const lines = configCommands(
            { path: "example.map", value: { weight: 1, ranges: { "payment-status": 5, "odd.name": 0.5 }, colors: { spring: "blue" } } },
            { stack: "production" },
        );
        assert.deepEqual(lines, [
            "pulumi config set --stack production --path example.map.weight -- 1",
            "pulumi config set --stack production --path example.map.ranges.payment-status -- 5",
            `pulumi config set --stack production --path 'example.map.ranges["odd.name"]' -- 0.5`,
            "pulumi config set --stack production --path example.map.colors.spring -- blue",
        ]);
        assert.deepEqual(configCommands({ path: "alb.originVerify.accept", value: ["b"] }, { stack: "staging", before: ["a", "b"] }), [
            "pulumi config rm --stack staging --path 'alb.originVerify.accept[1]'",
            "pulumi config set --stack staging --path 'alb.originVerify.accept[0]' -- b",
        ]);
        // A string the CLI would read as a number stays a string; a secret leaf is set as one.
        assert.deepEqual(configCommands({ path: "legacy.blue.versionLabel", value: "2026" }, { stack: "s", isSecret: () => true }), [
            "pulumi config set --stack s --path --secret --type string legacy.blue.versionLabel -- 2026",
        ]);
        assert.deepEqual(parseConfigPath(formatConfigPath(["a", "odd.name", 0, "b"])), ["a", "odd.name", 0, "b"]);
    });
});
