/**
 * npm run bench — times the offline plan as a user runs it (`npm run plan -- ...`, a
 * whole process each time): a warm-up and then N runs per case, median and peak
 * memory (max RSS of the process tree, from GNU time), printed as a table.
 *
 * Targets (issue #2): production plan < 1.2 s median and < 300 MB peak; a 90-route
 * plan < 2 s median.
 *
 * npm run bench -- --tests [--runs N] — times `npm test` (type-check, lint and mocha) instead,
 * against the raw-mocks floor measured in the same run (tools/bench/rawMocks.ts: the program once
 * under Pulumi's own mocks, a whole process): a warm-up, then N runs of each (default 3), and
 * the target npm test ≤ 25 × the floor's median (issue #17), which moves with the machine.
 * The load average before and after is printed: other work on the machine slows the suite.
 * Exit codes: 0 every target met, 1 a target missed, 2 usage, or a run failed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

// tools/bench/main.ts: the project root is two folders up.
export const ROOT = path.resolve(__dirname, "..", "..");

export interface Case {
    name: string;
    /** The command line (a whole process, as a user runs it): npm's arguments, or a node command. */
    npm?: string[];
    command?: string[];
    targetSeconds?: number;
    targetMiB?: number;
}

/** npm test may take at most this many times the raw-mocks floor (issue #17). */
export const TESTS_FLOOR_FACTOR = 25;
export const FLOOR: Case = {
    name: "raw-mocks floor (tools/bench/rawMocks.ts)",
    command: ["node", "--require", "./tools/register.js", "tools/bench/rawMocks.ts"],
};

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

/** One run of a case: wall seconds and the peak RSS of the largest process in the tree. */
function timeOnce(c: Case): { seconds: number; maxRssMiB: number } {
    const argv = c.command ?? ["npm", ...(c.npm ?? [])];
    const out = path.join(os.tmpdir(), `bench-time-${process.pid}.txt`);
    const start = process.hrtime.bigint();
    // GNU time reports the peak RSS of the largest process in the tree (the plan's node).
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, ...argv], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
        throw new Error(`${argv.slice(0, 6).join(" ")} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
    }
    const kib = Number(fs.readFileSync(out, "utf8").trim().split("\n").pop());
    return { seconds, maxRssMiB: kib / 1024 };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

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

function parse(argv: string[]): { runs: number; tests: boolean } | string {
    let values: { runs?: string; tests?: boolean };
    try {
        ({ values } = parseArgs({ args: argv, options: { runs: { type: "string" }, tests: { type: "boolean" } }, strict: true }));
    } catch (err) {
        return `${(err as Error).message}\nusage: npm run bench -- [--tests] [--runs N]`;
    }
    const minRuns = values.tests ? 1 : 5;
    const runs = Number(values.runs ?? (values.tests ? 3 : 7));
    if (!Number.isInteger(runs) || runs < minRuns) return `--runs must be a whole number, at least ${minRuns}, got ${JSON.stringify(values.runs)}`;
    return { runs, tests: values.tests === true };
}

/** One case timed: a warm-up (file cache, transpile cache), then `runs` runs; its table row. */
function measure(c: Case, runs: number): { median: number; ok: boolean; row: string[] } {
    timeOnce(c);
    const samples = Array.from({ length: runs }, () => timeOnce(c));
    const secs = samples.map((s) => s.seconds);
    const peak = Math.max(...samples.map((s) => s.maxRssMiB));
    const med = median(secs);
    const ok = (c.targetSeconds === undefined || med < c.targetSeconds) && (c.targetMiB === undefined || peak < c.targetMiB);
    const target = [c.targetSeconds ? `< ${c.targetSeconds.toFixed(1)} s` : "", c.targetMiB ? `< ${c.targetMiB} MB` : ""].filter(Boolean).join(", ");
    const row = [
        c.name,
        String(runs),
        med.toFixed(3),
        Math.min(...secs).toFixed(3),
        Math.max(...secs).toFixed(3),
        peak.toFixed(0),
        target || "-",
        ok ? "yes" : "NO",
    ];
    return { median: med, ok, row };
}

/** The cases in order: the plans; or the floor, then npm test against 25 × the floor just measured. */
function runCases(tests: boolean, runs: number): { rows: string[][]; allOk: boolean } {
    const rows: string[][] = [["case", "runs", "median s", "min s", "max s", "peak MiB", "target", "ok"]];
    let allOk = true;
    const add = (m: ReturnType<typeof measure>) => {
        rows.push(m.row);
        allOk &&= m.ok;
        return m;
    };
    if (!tests) {
        for (const c of planCases()) add(measure(c, runs));
        return { rows, allOk };
    }
    const floor = add(measure(FLOOR, runs));
    add(
        measure(
            { name: `npm test (tsc, lint, mocha); ≤ ${TESTS_FLOOR_FACTOR} × floor`, npm: ["test", "-s"], targetSeconds: TESTS_FLOOR_FACTOR * floor.median },
            runs,
        ),
    );
    return { rows, allOk };
}

function main(argv: string[]): number {
    const args = parse(argv);
    if (typeof args === "string") {
        process.stderr.write(`${args}\n`);
        return 2;
    }
    try {
        execFileSync("/usr/bin/time", ["-f", "%M", "true"], { stdio: "ignore" });
    } catch {
        process.stderr.write("GNU time (/usr/bin/time) is required: apt-get install time\n");
        return 2;
    }
    const loadBefore = load();
    let result: ReturnType<typeof runCases>;
    try {
        result = runCases(args.tests, args.runs);
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 2;
    }
    const widths = result.rows[0].map((_, i) => Math.max(...result.rows.map((r) => r[i].length)));
    for (const r of result.rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
    process.stdout.write(
        `\nmachine: ${os.cpus().length} cores, node ${process.version}; whole processes (${args.tests ? "the floor, then npm test" : "npm run plan"})\n`,
    );
    process.stdout.write(`load average (1, 5, 15 min) before: ${loadBefore}, after: ${load()} (above ~2 other work competed for the cores)\n`);
    return result.allOk ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
