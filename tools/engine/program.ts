/**
 * Start the Pulumi program as `pulumi preview` does, against an in-repo engine stand-in.
 *
 * The Node.js language host (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs, Run and
 * constructArguments) runs, with the program directory as working directory:
 *   node <require.resolve("@pulumi/pulumi/cmd/run") from the program dir>
 *        --monitor <addr> --engine <addr> --organization <org> --project <p>
 *        --root-directory <dir> --stack <s> --pwd <dir> [--dry-run] --parallel <n> <entry point>
 * with PULUMI_CONFIG (keys as "<namespace>:config:<name>"), PULUMI_CONFIG_SECRET_KEYS, and
 * PULUMI_NODEJS_TYPESCRIPT=true (Pulumi.yaml `runtime.options.typescript`, default true).
 * `cmd/run` then registers ts-node with the project's tsconfig.json; it type-checks unless
 * PULUMI_NODEJS_TRANSPILE_ONLY=true or the tsconfig sets `noCheck`.
 */
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import type { IEngineServer } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { IResourceMonitorServer } from "@pulumi/pulumi/proto/resource_grpc_pb";
import { Callback, PlanMonitor } from "./monitor";

const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb") as typeof import("@pulumi/pulumi/proto/resource_grpc_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
const engproto = require("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");

/** engine.proto LogSeverity: DEBUG 0, INFO 1, WARNING 2, ERROR 3. */
const SEVERITY = ["debug", "info", "warning", "error"] as const;

export interface EngineLog {
    severity: (typeof SEVERITY)[number];
    message: string;
    urn: string;
}

export interface EngineServer {
    address: string;
    logs: EngineLog[];
    close(): Promise<void>;
}

/**
 * A gRPC server on 127.0.0.1 with the Engine service (Log, Get/SetRootResource) and, given a
 * monitor, the ResourceMonitor service: what the CLI's engine serves to a program or a plugin.
 */
export async function serveEngine(monitor?: PlanMonitor): Promise<EngineServer> {
    const server = new grpc.Server();
    const unary =
        <Req, Resp>(fn: (req: Req, cb: Callback<Resp>) => unknown): grpc.handleUnaryCall<Req, Resp> =>
        (call, cb) =>
            void fn(call.request, cb);
    // Only what the monitor serves: grpc-js answers the other methods UNIMPLEMENTED (its default handler), so a program that needs one fails loudly.
    if (monitor)
        server.addService(resrpc.ResourceMonitorService, {
            supportsFeature: unary((req, cb) => monitor.supportsFeature(req, cb)),
            registerResource: unary((req, cb) => monitor.registerResource(req, cb)),
            readResource: unary((req, cb) => monitor.readResource(req, cb)),
            registerResourceOutputs: unary((req, cb) => monitor.registerResourceOutputs(req, cb)),
            invoke: unary((req, cb) => monitor.invoke(req, cb)),
            registerPackage: unary((req, cb) => monitor.registerPackage(req, cb)),
            registerStackTransform: unary((req, cb) => monitor.registerStackTransform(req, cb)),
            signalAndWaitForShutdown: unary((req, cb) => monitor.signalAndWaitForShutdown(req, cb)),
        } satisfies Partial<IResourceMonitorServer>);
    const logs: EngineLog[] = [];
    let rootUrn = "";
    server.addService(engrpc.EngineService, {
        log: unary((req, cb) => {
            logs.push({ severity: SEVERITY[req.getSeverity()] ?? "info", message: req.getMessage(), urn: req.getUrn() });
            cb(null, new emptyproto.Empty());
        }),
        getRootResource: unary((_req, cb) => {
            const resp = new engproto.GetRootResourceResponse();
            resp.setUrn(rootUrn);
            cb(null, resp);
        }),
        setRootResource: unary((req, cb) => {
            rootUrn = req.getUrn();
            cb(null, new engproto.SetRootResourceResponse());
        }),
    } satisfies Partial<IEngineServer>);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
        address: `127.0.0.1:${port}`,
        logs,
        close: () => {
            monitor?.close();
            return new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        },
    };
}

export interface ProgramLaunch {
    /** The program directory (Pulumi.yaml, package.json, tsconfig.json). */
    dir: string;
    project: string;
    stack: string;
    organization: string;
    preview: boolean;
    /** Flat config as the engine passes it: "<namespace>:<name>" → text. */
    config: Record<string, string>;
    secretKeys: readonly string[];
    monitorAddress: string;
    engineAddress: string;
    /** Pulumi.yaml's `main`, relative to `dir`. @default "." (package.json's main) */
    entryPoint?: string;
    /**
     * PULUMI_NODEJS_TRANSPILE_ONLY, which `cmd/run` honours: ts-node skips its per-file type
     * check (CI type-checks the same tsconfig once with `tsc --noEmit`). @default false
     */
    transpileOnly?: boolean;
}

export interface ProgramExit {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** The language host's PULUMI_CONFIG: every key as "<namespace>:config:<name>" (constructConfig). */
export function languageHostConfig(config: Record<string, string>): string {
    return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^([^:]+):/, "$1:config:"), v])));
}

/** A child's environment: this process's, without its Pulumi or Node settings, plus `vars`. */
export function childEnv(vars: Record<string, string>): Record<string, string | undefined> {
    const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_") && k !== "NODE_OPTIONS" && k !== "TS_NODE_PROJECT");
    return { ...Object.fromEntries(inherited), ...vars };
}

/** Run the program to completion and return how it exited. */
export function launchProgram(launch: ProgramLaunch): Promise<ProgramExit> {
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [launch.dir] });
    const args = [
        runPath,
        "--monitor",
        launch.monitorAddress,
        "--engine",
        launch.engineAddress,
        "--organization",
        launch.organization,
        "--project",
        launch.project,
        "--root-directory",
        launch.dir,
        "--stack",
        launch.stack,
        "--pwd",
        launch.dir,
        ...(launch.preview ? ["--dry-run"] : []),
        // Any value above 1: resource operations are not serialized.
        "--parallel",
        "16",
        // Without a `main` in Pulumi.yaml the engine passes "." and cmd/run reads package.json's main.
        launch.entryPoint ?? ".",
    ];
    const env = childEnv({
        PULUMI_CONFIG: languageHostConfig(launch.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(launch.secretKeys),
        PULUMI_NODEJS_TYPESCRIPT: "true",
        ...(launch.transpileOnly ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {}),
    });
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: launch.dir, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
