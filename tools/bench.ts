/**
 * npm run bench — times the offline plan as a user runs it (`npm run plan -- ...`, a
 * whole process each time): a warm-up and then N runs per case, median and peak
 * memory (max RSS of the process tree, from GNU time), printed as a table.
 *
 * Targets (issue #2): production plan < 1.2 s median and < 300 MB peak; a 90-route
 * plan < 2 s median.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");

interface Case {
    name: string;
    args: string[];
    targetSeconds?: number;
    targetMiB?: number;
}

function ninetyRoutes(): string[] {
    // The production stack has one route; add 89 more, as deployed already (so the
    // canary-step-limit policy has a deployed weight to compare with).
    return Array.from({ length: 89 }, (_, i) =>
        ["--set", "--deployed"].flatMap((flag) => [
            flag, `canary.routes[${i + 1}].name=r${i}`,
            flag, `canary.routes[${i + 1}].paths[0]=/v1/r${i}/*`,
            flag, `canary.routes[${i + 1}].weight=${(i % 10) + 1}`,
        ]),
    ).flat();
}

function timeOnce(args: string[]): { seconds: number; maxRssMiB: number } {
    const out = path.join(os.tmpdir(), `bench-time-${process.pid}.txt`);
    const start = process.hrtime.bigint();
    // GNU time reports the peak RSS of the largest process in the tree (the plan's node).
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, "npm", "run", "-s", "plan", "--", ...args], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
        throw new Error(`plan ${args.slice(0, 2).join(" ")} exited ${r.status}: ${r.stderr}`);
    }
    const kib = Number(fs.readFileSync(out, "utf8").trim().split("\n").pop());
    return { seconds, maxRssMiB: kib / 1024 };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function main(): number {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 5) {
        process.stderr.write("--runs must be a whole number, at least 5\n");
        return 2;
    }
    try {
        execFileSync("/usr/bin/time", ["-f", "%M", "true"], { stdio: "ignore" });
    } catch {
        process.stderr.write("GNU time (/usr/bin/time) is required: apt-get install time\n");
        return 2;
    }
    const cases: Case[] = [
        { name: "staging", args: ["--stack", "staging"] },
        { name: "production", args: ["--stack", "production"], targetSeconds: 1.2, targetMiB: 300 },
        { name: "production, 90 routes", args: ["--stack", "production", ...ninetyRoutes()], targetSeconds: 2 },
    ];
    const rows: string[][] = [["case", "runs", "median s", "min s", "max s", "peak MiB", "target", "ok"]];
    let allOk = true;
    for (const c of cases) {
        timeOnce(c.args); // warm-up: file cache, esbuild binary
        const samples = Array.from({ length: runs }, () => timeOnce(c.args));
        const secs = samples.map((s) => s.seconds);
        const peak = Math.max(...samples.map((s) => s.maxRssMiB));
        const med = median(secs);
        const ok = (c.targetSeconds === undefined || med < c.targetSeconds) && (c.targetMiB === undefined || peak < c.targetMiB);
        allOk &&= ok;
        const target = [c.targetSeconds ? `< ${c.targetSeconds} s` : "", c.targetMiB ? `< ${c.targetMiB} MB` : ""].filter(Boolean).join(", ");
        rows.push([c.name, String(runs), med.toFixed(3), Math.min(...secs).toFixed(3), Math.max(...secs).toFixed(3), peak.toFixed(0), target || "-", ok ? "yes" : "NO"]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join("  ")}\n`);
    process.stdout.write(`\nmachine: ${os.cpus().length} cores, node ${process.version}; whole process via npm run plan\n`);
    return allOk ? 0 : 1;
}

process.exit(main());
