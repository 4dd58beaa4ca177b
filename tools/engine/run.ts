/**
 * The protocol run: the program and the policy pack started as separate processes exactly as
 * the Pulumi CLI starts them (tools/engine/program.ts, tools/engine/analyzer.ts), talking
 * gRPC to an in-repo engine stand-in that answers with the offline plan's mock values
 * (tools/engine/monitor.ts + tools/plan/mocks.ts). What it proves that the in-process plan
 * cannot: the program loads under ts-node with the project's tsconfig.json; the pack loads
 * from policy/ with its own node_modules and its own tsconfig.json (type-checked); every
 * value survives protobuf serialization both ways; the root stack resource and its
 * transformations behave as under `pulumi preview`.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { createMocks } from "../plan/mocks";
import { LoadedStackConfig, loadStackConfig } from "../plan/stackFile";
import { outputsOf } from "../plan/run";
import { PROJECT_DIR } from "../projectDir";
import { loadPolicyConfig, stackOrganization } from "../policy/config";
import { PlanMonitor } from "./monitor";
import { EngineLog, ProgramLaunch, launchProgram, serveEngine } from "./program";
import { Analysis, RunningPack, analyze, startPack } from "./analyzer";
import type { RecordedResource } from "../plan/mocks";

export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policy");

export interface ProtocolOptions {
    stack: string;
    /** Directory with Pulumi.yaml, the stack files and policy configs (tests use tests/fixtures). @default the project root */
    dir?: string;
    /** `--set`s applied to the stack file, as for the offline plan. */
    sets?: readonly string[];
    /** `--set`s that describe the deployed state (what the stack's reference to itself returns), as for the offline plan. */
    deployedSets?: readonly string[];
    /** Policy config file (parsed). @default policy-config.<stack>.json in `dir`, if any */
    policyConfig?: Record<string, unknown>;
    /**
     * A pack already running, or still starting (one pack serves several previews in turn; the
     * program does not need it until it has exited). @default a new one from policy/
     */
    pack?: RunningPack | Promise<RunningPack>;
    /** See ProgramLaunch.transpileOnly. */
    transpileOnly?: boolean;
    /** See ProgramLaunch.entryPoint. */
    entryPoint?: string;
}

export interface ProtocolResult {
    exitCode: number | null;
    /** The program's console output, and what it logged through the Engine service. */
    stdout: string;
    stderr: string;
    logs: EngineLog[];
    resources: RecordedResource[];
    analysis: Analysis;
}

export class ProgramFailedError extends Error {
    constructor(
        message: string,
        readonly result: Omit<ProtocolResult, "analysis">,
    ) {
        super(message);
        this.name = "ProgramFailedError";
    }
}

/** The stack-level settings the CLI gives both the program and the pack. */
export type StackSettings = Pick<ProgramLaunch, "organization" | "project" | "stack" | "preview" | "config" | "secretKeys">;

function stackSettings(loaded: LoadedStackConfig, dir: string): StackSettings {
    // The organization the pack is configured with, as in the offline plan.
    return {
        organization: stackOrganization(dir, loaded.stack),
        project: loaded.project,
        stack: loaded.stack,
        preview: true,
        config: loaded.config,
        secretKeys: loaded.secretKeys,
    };
}

/** Start the pack from its directory (policy/ by default) with its own Engine service for its logs. */
export async function startPolicyPack(opts: { stack: string; dir?: string; packDir?: string }): Promise<RunningPack> {
    const engine = await serveEngine();
    try {
        const pack = await startPack(
            opts.packDir ?? POLICY_PACK_DIR,
            engine.address,
            stackSettings(loadStackConfig(opts.dir ?? PROJECT_DIR, opts.stack), opts.dir ?? PROJECT_DIR),
        );
        pack.process.on("close", () => void engine.close());
        return pack;
    } catch (err) {
        await engine.close();
        throw err;
    }
}

/**
 * The offline plan's mocks for a stack deployed with `deployed`'s outputs, answering once those
 * are known. Calls reach the mocks in the order they came (awaiting one promise is first in, first out).
 */
function mocksOnceDeployed(region: string, deployed: Promise<Record<string, unknown>>): pulumi.runtime.Mocks {
    const mocks = deployed.then((outputs) => createMocks(region, outputs).mocks);
    mocks.catch(() => undefined); // the run reports `deployed`'s error; a call that awaits this one fails with it too
    return {
        newResource: async (args) => (await mocks).newResource(args),
        call: async (args) => (await mocks).call(args),
    };
}

/** Preview one stack through the protocol: run the program against the stand-in, then analyze with the pack. */
export async function protocolRun(opts: ProtocolOptions): Promise<ProtocolResult> {
    const dir = opts.dir ?? PROJECT_DIR;
    const loaded = loadStackConfig(dir, opts.stack, opts.sets ?? []);
    const program = opts.entryPoint ? path.join(PROJECT_DIR, opts.entryPoint) : undefined;
    // The deployed outputs as a deployment of the same program would have exported them (a program variant records its own position),
    // from an offline run that overlaps the program's start (seconds in ts-node before its first registration).
    const deployed = outputsOf(loadStackConfig(dir, opts.stack, opts.deployedSets ?? []), { dir, program });
    deployed.catch(() => undefined); // awaited below; meanwhile a failure is not an unhandled rejection
    const monitor = new PlanMonitor({
        project: loaded.project,
        stack: loaded.stack,
        mocks: mocksOnceDeployed(loaded.config["aws:region"] ?? "us-east-1", deployed),
    });
    const settings = stackSettings(loaded, dir);
    const engine = await serveEngine(monitor);
    // The pack and the program start side by side: each spends seconds in ts-node first.
    const packStarting = opts.pack ? Promise.resolve(opts.pack) : startPack(POLICY_PACK_DIR, engine.address, settings);
    packStarting.catch(() => undefined); // awaited below; meanwhile a failure is not an unhandled rejection
    try {
        const exit = await launchProgram({
            dir: PROJECT_DIR,
            ...settings,
            monitorAddress: engine.address,
            engineAddress: engine.address,
            transpileOnly: opts.transpileOnly,
            entryPoint: opts.entryPoint,
        });
        await deployed; // its error, not the program's failure to get an answer
        const base = { exitCode: exit.code, stdout: exit.stdout, stderr: exit.stderr, logs: engine.logs, resources: monitor.recorded };
        if (exit.code !== 0) {
            const errors = engine.logs.filter((l) => l.severity === "error").map((l) => l.message);
            throw new ProgramFailedError(`program exited with code ${exit.code}:\n${[...errors, exit.stderr].join("\n")}`, base);
        }
        const analysis = await analyze(await packStarting, monitor, opts.policyConfig ?? loadPolicyConfig(dir, loaded.stack), settings);
        return { ...base, analysis };
    } finally {
        if (!opts.pack)
            void packStarting.then(
                (p) => p.stop(),
                () => undefined,
            );
        await engine.close();
    }
}
