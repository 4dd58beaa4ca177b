/**
 * tools/bench/main.ts: the benchmark runs its cases from the project root, and the raw-mocks floor
 * npm test is measured against runs there (a wrong root once made `npm run bench -- --tests` fail
 * before it measured anything).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { FLOOR, ROOT } from "../../tools/bench/main";

describe("tools/bench/main.ts", () => {
    it("runs from the project root, where the floor's files are", () => {
        assert.ok(fs.existsSync(path.join(ROOT, "package.json")), ROOT);
        for (const arg of FLOOR.command!.filter((a) => a.endsWith(".js") || a.endsWith(".ts"))) assert.ok(fs.existsSync(path.join(ROOT, arg)), arg);
    });

    it("the raw-mocks floor runs the program once and exits 0", function () {
        this.timeout(60_000);
        const [cmd, ...args] = FLOOR.command!;
        const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
    });
});
