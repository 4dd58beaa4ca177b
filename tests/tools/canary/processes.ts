import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../helpers";

export interface Finished {
    code: number | null;
    signal: NodeJS.Signals | null;
    out: string;
    err: string;
}

/** The canary tool started as a real process (tests/tools/canary/process.ts) on the project copy `dir`. */
export function startCanary(dir: string, argv: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Finished> } {
    const child = spawn(process.execPath, ["--require", "./tools/register.js", path.join("tests", "tools", "canary", "process.ts"), ...argv], {
        cwd: ROOT,
        env: { ...process.env, CANARY_TEST_DIR: dir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const done = new Promise<Finished>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, out, err })));
    return { child, done };
}

/** Wait until `count` writers have paused before their rename (CANARY_TEST_PAUSE_BEFORE_RENAME) in `dir`; their pids. */
export async function pausedWriters(dir: string, count: number, timeoutMs = 120_000): Promise<number[]> {
    const start = Date.now();
    for (;;) {
        const paused = fs.readdirSync(dir).filter((f) => f.startsWith("paused."));
        if (paused.length >= count) return paused.map((f) => Number(f.slice("paused.".length)));
        if (Date.now() - start > timeoutMs) throw new Error(`only ${paused.length} of ${count} writers paused in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
