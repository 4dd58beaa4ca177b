/**
 * npm run bench — times the offline plan as a user runs it (`npm run plan -- ...`, a
 * whole process each time): a warm-up and then N runs per case, median and peak
 * memory (max RSS of the process tree, from GNU time), printed as a table.
 *
 * Targets (issue #2): production plan < 1.2 s median and < 300 MB peak; a 90-route
 * plan < 2 s median.
 *
 * npm run bench -- --tests [--runs N] — times `npm test` (type-check and mocha) instead:
 * a warm-up, then N runs (default 3), median wall time against the 40 s target (issue #9).
 * The load average before and after is printed: other work on the machine slows the suite.
 * Exit codes: 0 every target met, 1 a target missed, 2 usage, or a run failed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");

interface Case {
    name: string;
    /** The npm command line (a whole process, as a user runs it). */
    npm: string[];
    targetSeconds?: number;
    targetMiB?: number;
}

function ninetyRoutes(): string[] {
    // The production stack has one route; add 89 more, as deployed already (so the
    // canary-step-limit policy has a deployed weight to compare with).
    return Array.from({ length: 89 }, (_, i) =>
        ["--set", "--deployed"].flatMap((flag) => [
            flag,
            `canary.routes[${i + 1}].name=r${i}`,
            flag,
            `canary.routes[${i + 1}].paths[0]=/v1/r${i}/*`,
            flag,
            `canary.routes[${i + 1}].weight=${(i % 10) + 1}`,
        ]),
    ).flat();
}

/** One run of `npm <npmArgs>`: wall seconds and the peak RSS of the largest process in the tree. */
function timeOnce(npmArgs: string[]): { seconds: number; maxRssMiB: number } {
    const out = path.join(os.tmpdir(), `bench-time-${process.pid}.txt`);
    const start = process.hrtime.bigint();
    // GNU time reports the peak RSS of the largest process in the tree (the plan's node).
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, "npm", ...npmArgs], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
        throw new Error(`npm ${npmArgs.slice(0, 5).join(" ")} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
    }
    const kib = Number(fs.readFileSync(out, "utf8").trim().split("\n").pop());
    return { seconds, maxRssMiB: kib / 1024 };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const TESTS_TARGET_SECONDS = 40;

function planCases(): Case[] {
    const plan = (args: string[]) => ["run", "-s", "plan", "--", ...args];
    return [
        { name: "staging", npm: plan(["--stack", "staging"]) },
        { name: "production", npm: plan(["--stack", "production"]), targetSeconds: 1.2, targetMiB: 300 },
        { name: "production, 90 routes", npm: plan(["--stack", "production", ...ninetyRoutes()]), targetSeconds: 2 },
    ];
}

const load = () =>
    os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");

function main(argv: string[]): number {
    let values: { runs?: string; tests?: boolean };
    try {
        ({ values } = parseArgs({ args: argv, options: { runs: { type: "string" }, tests: { type: "boolean" } }, strict: true }));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\nusage: npm run bench -- [--tests] [--runs N]\n`);
        return 2;
    }
    const minRuns = values.tests ? 1 : 5;
    const runs = Number(values.runs ?? (values.tests ? 3 : 7));
    if (!Number.isInteger(runs) || runs < minRuns) {
        process.stderr.write(`--runs must be a whole number, at least ${minRuns}, got ${JSON.stringify(values.runs)}\n`);
        return 2;
    }
    try {
        execFileSync("/usr/bin/time", ["-f", "%M", "true"], { stdio: "ignore" });
    } catch {
        process.stderr.write("GNU time (/usr/bin/time) is required: apt-get install time\n");
        return 2;
    }
    const cases: Case[] = values.tests ? [{ name: "npm test (tsc --noEmit, mocha)", npm: ["test", "-s"], targetSeconds: TESTS_TARGET_SECONDS }] : planCases();
    const loadBefore = load();
    const rows: string[][] = [["case", "runs", "median s", "min s", "max s", "peak MiB", "target", "ok"]];
    let allOk = true;
    try {
        for (const c of cases) {
            timeOnce(c.npm); // warm-up: file cache, esbuild binary and its transpile cache
            const samples = Array.from({ length: runs }, () => timeOnce(c.npm));
            const secs = samples.map((s) => s.seconds);
            const peak = Math.max(...samples.map((s) => s.maxRssMiB));
            const med = median(secs);
            const ok = (c.targetSeconds === undefined || med < c.targetSeconds) && (c.targetMiB === undefined || peak < c.targetMiB);
            allOk &&= ok;
            const target = [c.targetSeconds ? `< ${c.targetSeconds} s` : "", c.targetMiB ? `< ${c.targetMiB} MB` : ""].filter(Boolean).join(", ");
            rows.push([
                c.name,
                String(runs),
                med.toFixed(3),
                Math.min(...secs).toFixed(3),
                Math.max(...secs).toFixed(3),
                peak.toFixed(0),
                target || "-",
                ok ? "yes" : "NO",
            ]);
        }
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 2;
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
    process.stdout.write(`\nmachine: ${os.cpus().length} cores, node ${process.version}; whole process via npm ${values.tests ? "test" : "run plan"}\n`);
    process.stdout.write(`load average (1, 5, 15 min) before: ${loadBefore}, after: ${load()} (above ~2 other work competed for the cores)\n`);
    return allOk ? 0 : 1;
}

process.exit(main(process.argv.slice(2)));
