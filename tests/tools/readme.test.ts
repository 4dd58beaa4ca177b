/**
 * The documentation's commands are what the tools accept and print: every `npm run canary`
 * command in the README and docs/ parses (flags, arguments), the runbook's by-hand traffic step
 * is exactly the tool's own output for that step (on the fixture stack, whose names the runbook
 * uses), the runbook's cut-in diff is what the plan prints, and the README's test command is the
 * one CI runs.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "../../tools/canary";
import { FIXTURES, ROOT } from "../helpers";
import { canary, tempProject } from "./canary/harness";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const readme = read("README.md");
const runbook = read("docs/runbook.md");
const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => read(path.join("docs", f)));

/** `npm run canary -- …` commands in `text`, without optional `[…]` parts; "..." placeholders skipped. */
function canaryCommands(text: string): string[][] {
    const found = [...text.matchAll(/npm run canary -- ([^`\n|]+)/g)].map((m) =>
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

describe("docs: canary commands", () => {
    it("every npm run canary command in the README and docs/ is one the tool accepts", () => {
        const commands = [readme, ...docs].flatMap(canaryCommands);
        assert.ok(canaryCommands(runbook).length >= 12, `${canaryCommands(runbook).length} commands found in the runbook`);
        assert.ok(canaryCommands(readme).length >= 2, "the README shows the canary step and the rollback");
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
        const block = /\*\*By hand, a traffic step\*\*[\s\S]*?```\n([\s\S]*?)```/.exec(runbook)?.[1] ?? "";
        const lines = folded(block).trim().split("\n");
        assert.equal(lines[0], printedSet);
        assert.equal(lines[1], printedUp);
        // The canary operations section shows the same targeted update.
        const canarySection = runbook.slice(runbook.indexOf("## Canary operations"), runbook.indexOf("## Health signals"));
        assert.ok(folded(canarySection).includes(printedUp), "the canary section's pulumi up --target example");
    });
});

describe("docs: plan samples", () => {
    it("the runbook's cut-in step diff is what npm run plan --diff prints for it (cut-in fixture at phase adopted, as production)", async () => {
        const { main } = await import("../../tools/plan");
        const sample = /`npm run plan -- --stack production --set cutin\.phase=staged --diff Pulumi\.production\.yaml`[\s\S]*?```\n([\s\S]*?)```/.exec(runbook);
        assert.ok(sample, "the runbook shows the diff of the staged step");
        let out = "";
        const stdout = process.stdout as { write: (s: string) => boolean };
        const write = stdout.write;
        stdout.write = (s: string) => ((out += s), true);
        try {
            const code = await main(["--stack", "production", "--set", "cutin.phase=staged", "--diff", "production"], { dir: path.join(FIXTURES, "cutin") });
            assert.equal(code, 0);
        } finally {
            stdout.write = write;
        }
        const printed = /^Resource diff:[^\n]*\n(?:[+~-][^\n]*\n| {4}[^\n]*\n)*/m.exec(out)?.[0];
        assert.equal(printed, sample[1]);
    });
});

describe("README set-up", () => {
    /** The commands of the README's set-up block, one per `&&` part, comments dropped. */
    const setup = () => {
        const block = /## Set-up[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        return block
            .split("\n")
            .map((l) => l.replace(/#.*$/, ""))
            .flatMap((l) => l.split("&&"))
            .map((c) => c.trim())
            .filter(Boolean);
    };

    it("shows the offline plan of a stack and the test command", () => {
        assert.deepEqual(setup(), ["npm ci", "npm run plan -- --stack staging", "npm ci --prefix policy", "npm test"]);
    });

    it("runs the tests as CI does: .ci/run installs both package trees and runs exactly npm test", () => {
        const ci = read(".ci/run")
            .split("\n")
            .map((l) => l.replace(/(^|\s)#\s.*$/, ""))
            .join("\n");
        for (const install of setup().filter((c) => c.startsWith("npm ci"))) {
            assert.ok(ci.includes(`${install} `), `.ci/run runs ${install}`);
        }
        assert.match(ci, /^npm test 2>&1/m, ".ci/run runs npm test");
        assert.ok(!/npm run|mocha|tsc/.test(ci), ".ci/run runs the tests only through npm test");
    });

    it("npm test is what the README's comment says: type-check, lint, then mocha", () => {
        const test = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts.test;
        assert.equal(test, "npm run -s typecheck && npm run -s lint && mocha");
        assert.match(readme, /npm test +# the tests: type-check once \(tsc --noEmit\), lint, then mocha/);
    });
});
