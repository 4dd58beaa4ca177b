/**
 * Mocha root hooks (loaded by .mocharc.json in every worker; in parallel mode root
 * "after all" hooks run once per test file):
 * - offline plans are kept by config (keepPlans in tools/plan/run.ts): the canary tool, the plan
 *   tool and the tests ask for the same fixture configs many times; each runs once, and stays on
 *   disk for the other worker and the next run while its sources are unchanged (tools/plan/diskCache.ts);
 * - temporary directories made by tests are removed;
 * - a test that reads the committed Pulumi.<stack>.yaml or policy-config.<stack>.json fails:
 *   those are operational data the canary tool edits, so a test that reads them turns red on
 *   the tool's next pull request. Tests use tests/fixtures; only committedStacks.test.ts
 *   reads the committed files, and checks nothing a canary step or a release changes.
 */
import * as path from "node:path";
import { keepPlans } from "../tools/plan/run";
import { ROOT, removeTempDirs } from "./helpers";

keepPlans();

const fs: typeof import("node:fs") = require("node:fs");
const COMMITTED = /^(Pulumi\.[^/\\]+\.yaml|policy-config\.[^/\\]+\.json)$/;
const ALLOWED = path.join(ROOT, "tests", "committedStacks.test.ts");
const reads: string[] = [];

const readFileSync = fs.readFileSync;
fs.readFileSync = function (this: unknown, file: unknown, ...rest: unknown[]) {
    if (typeof file === "string") {
        const abs = path.resolve(file);
        if (path.dirname(abs) === ROOT && COMMITTED.test(path.basename(abs))) reads.push(path.basename(abs));
    }
    return (readFileSync as (...args: unknown[]) => unknown).call(this, file, ...rest);
} as typeof fs.readFileSync;

export const mochaHooks = {
    afterEach(this: Mocha.Context): void {
        const read = reads.splice(0);
        const test = this.currentTest;
        if (read.length > 0 && test?.file !== ALLOWED) {
            throw new Error(`"${test?.title}" read the committed ${[...new Set(read)].join(", ")}: tests read tests/fixtures (FIXTURES in tests/helpers.ts)`);
        }
    },
    afterAll(): void {
        removeTempDirs();
    },
};
