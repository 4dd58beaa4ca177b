/**
 * The README's canary commands are what the tool accepts and prints: every `npm run canary`
 * command in it parses (flags, arguments), and the by-hand traffic step is exactly the tool's
 * own output for that step (on the fixture stack, whose names the README uses).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "../../tools/canary";
import { FIXTURES, ROOT } from "../helpers";
import { canary, tempProject } from "./canary/harness";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** `npm run canary -- …` commands in the README, without optional `[…]` parts; "..." placeholders skipped. */
function canaryCommands(): string[][] {
    const found = [...readme.matchAll(/npm run canary -- ([^`\n|]+)/g)].map((m) =>
        m[1]
            .replace(/\[[^\]]*\]/g, "")
            .replace(/\(.*$/, "")
            .replace(/\s#.*$/, "")
            .trim(),
    );
    return found.filter((c) => !c.includes("...") && !c.startsWith("<command>")).map((c) => c.split(/\s+/).filter(Boolean));
}

/** A fenced block (or table cell) joined into one line per command: `\` continuations folded. */
const folded = (text: string) => text.replace(/ \\\n\s*/g, " ");

describe("README canary commands", () => {
    it("every npm run canary command in the README is one the tool accepts", () => {
        const commands = canaryCommands();
        assert.ok(commands.length >= 12, `${commands.length} commands found`);
        for (const argv of commands) {
            // Commands that name no stack are parts of a sentence; give them one so the rest is checked.
            const withStack = argv.includes("--stack") ? argv : [...argv, "--stack", "production"];
            assert.doesNotThrow(() => parseCommandLine(withStack), `npm run canary -- ${argv.join(" ")}`);
        }
    });

    it("the by-hand traffic step in the runbook is what the tool prints for it", async () => {
        const r = await canary(tempProject(), ["next", "--stack", "production"]);
        assert.equal(r.code, 0, r.out);
        const printedUp = folded(/Next: (pulumi up [^\n]*(?:\n {4}[^\n]*)*)/.exec(r.out)?.[1] ?? "");
        const printedSet = /^ {2}(pulumi config set [^\n]*canary\.weight[^\n]*)$/m.exec(r.out)?.[1];
        assert.ok(printedUp.includes("--target"), printedUp);
        const block = /\*\*By hand, a traffic step\*\*[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        const lines = folded(block).trim().split("\n");
        assert.equal(lines[0], printedSet);
        assert.equal(lines[1], printedUp);
        // The canary section shows the same targeted update.
        assert.ok(folded(readme).includes(printedUp), "the canary section's pulumi up --target example");
    });
});

describe("README plan samples", () => {
    it("the cut-in step's diff is what npm run plan --diff prints for it (cut-in fixture at phase adopted, as production)", async () => {
        const { main } = await import("../../tools/plan");
        const sample = /`npm run plan -- --stack production --set cutin\.phase=staged --diff Pulumi\.production\.yaml`[\s\S]*?```\n([\s\S]*?)```/.exec(readme);
        assert.ok(sample, "the README shows the diff of the staged step");
        let out = "";
        const write = process.stdout.write.bind(process.stdout);
        (process.stdout as any).write = (s: string) => ((out += s), true);
        try {
            const code = await main(["--stack", "production", "--set", "cutin.phase=staged", "--diff", "production"], { dir: path.join(FIXTURES, "cutin") });
            assert.equal(code, 0);
        } finally {
            (process.stdout as any).write = write;
        }
        const printed = /^Resource diff:[^\n]*\n(?:[+~-][^\n]*\n| {4}[^\n]*\n)*/m.exec(out)?.[0];
        assert.equal(printed, sample[1]);
    });
});
