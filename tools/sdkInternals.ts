/**
 * Every place where the offline tools lean on Pulumi SDK internals, in one module, so an SDK
 * upgrade breaks here (and in tests/tools/sdkInternals.test.ts) instead of somewhere deep in
 * a plan. Each export names the internal it relies on; the test asserts each still exists and
 * behaves. Nothing here is used by `pulumi up`: the CLI starts the program itself
 * (tools/engine/program.ts does it the same way).
 *
 * Loaded by tools/register.js before anything else, so only node: modules at the top level.
 */
import * as path from "node:path";
import Module = require("node:module");

// ---------------------------------------------------------------------------------------------
// 1. Deferred closure serializer (Module._load hook, installed by tools/register.js).
// @pulumi/pulumi loads @npmcli/arborist (~0.2 s) and TypeScript (~0.13 s) at import time, only
// to serialize function closures, which this program never does. For exactly those importers
// the module is replaced by a proxy that loads the real one on first property access; it
// reports itself as an ES module so that TypeScript's __importStar keeps it as is instead of
// enumerating (and so loading) it.
// ---------------------------------------------------------------------------------------------

/** The SDK files (relative to @pulumi/pulumi) that import the closure serializer's heavy dependencies, and what they import. */
export const DEFERRED_IMPORTS: readonly { request: string; importer: string }[] = [
    { request: "@npmcli/arborist", importer: "runtime/closure/codePaths.js" },
    { request: "../../typescript-shim", importer: "runtime/closure/parseFunction.js" },
];
const deferredSuffixes = DEFERRED_IMPORTS.map((d) => ({ request: d.request, suffix: path.join("@pulumi", "pulumi", ...d.importer.split("/")) }));

type Loader = (request: string, parent: NodeModule | undefined, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };

export function deferClosureSerializer(): void {
    const load = moduleInternals._load;
    moduleInternals._load = function deferClosureSerializer(this: unknown, request, parent, isMain) {
        if (parent?.filename && deferredSuffixes.some((d) => d.request === request && parent.filename.endsWith(d.suffix))) {
            let real: Record<PropertyKey, unknown> | undefined;
            // What require returns for these two: a module's exports object.
            const target = () => (real ??= load.call(Module, request, parent, isMain) as Record<PropertyKey, unknown>);
            return new Proxy(
                {},
                {
                    get: (_, key) => (key === "__esModule" ? true : target()[key]),
                    has: (_, key) => key in target(),
                    ownKeys: () => Reflect.ownKeys(target()),
                    getOwnPropertyDescriptor: (_, key) => {
                        const d = Reflect.getOwnPropertyDescriptor(target(), key);
                        return d && { ...d, configurable: true };
                    },
                },
            );
        }
        return load.call(this, request, parent, isMain);
    };
}

// ---------------------------------------------------------------------------------------------
// 2. Fresh program modules for every in-process plan (require.cache purge): the program reads
// its config at load time, so a second plan in the same process must load it again.
// ---------------------------------------------------------------------------------------------

/**
 * Forget the program's modules: the project's own files, but not node_modules, the tools, the
 * tests, or files starting with one of the `keep` prefixes.
 */
export function forgetProgramModules(projectDir: string, keep: readonly string[] = []): void {
    const kept = ["node_modules", "tools", "tests"].map((d) => `${path.sep}${d}${path.sep}`);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(projectDir) && !kept.some((d) => key.includes(d)) && !keep.some((k) => key.startsWith(k))) {
            delete require.cache[key];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. An in-process resource monitor. `pulumi.runtime.setMockOptions` is what `setMocks` uses
// to install Pulumi's MockMonitor; we install our own (tools/engine/monitor.ts), which the
// SDK calls with the same generated request classes as over gRPC. Feature flags then come
// from the monitor's SupportsFeature at the root stack's registration, as in a real run.
// ---------------------------------------------------------------------------------------------

export interface InProcessRun {
    project: string;
    stack: string;
    preview: boolean;
    organization: string;
}

export function installMonitor(monitor: object, run: InProcessRun): void {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    pulumi.runtime.setMockOptions(monitor, run.project, run.stack, run.preview, run.organization);
}

// ---------------------------------------------------------------------------------------------
// 4. The policy SDK's unknown-checking proxy (@pulumi/policy/proxy, no typings): the offline
// evaluation wraps props in the very proxy the policy server uses, so touching an unknown
// value during a preview yields the same advisory as under the CLI.
// ---------------------------------------------------------------------------------------------

export interface PolicyProxyInternals {
    unknownCheckingProxy<T extends object>(o: T): T;
    /** proxy.js: `new UnknownValueError(unknownTypeSentinel, props)`, props the path to the unknown value. */
    UnknownValueError: new (unknownTypeSentinel: unknown, props: string[]) => Error;
    unknownStringValue: string;
}

let policyProxy: PolicyProxyInternals | undefined;

export function policySdkProxy(): PolicyProxyInternals {
    return (policyProxy ??= require("@pulumi/policy/proxy") as PolicyProxyInternals);
}

// ---------------------------------------------------------------------------------------------
// 5. Plain promises during an offline plan (runtime/debuggable.js `debuggablePromise`). The SDK
// wraps every promise it makes for a resource in a leak detector: it defines three properties
// on the promise, captures a stack trace and chains a then/catch, only to print leaked
// promises at process exit — which an in-process plan never reports (the process goes on).
// That was a third of a plan's CPU time. Callers reach it through the module object
// (`(0, debuggable_1.debuggablePromise)(...)`), so replacing the export for the length of a
// plan takes effect everywhere; the protocol run (the real CLI path) keeps the SDK's own.
// ---------------------------------------------------------------------------------------------

interface DebuggableModule {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}

/** Run `f` with the SDK's promise leak detector replaced by the identity; restored afterwards. */
export async function withPlainPromises<T>(f: () => Promise<T>): Promise<T> {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (p) => p;
    try {
        return await f();
    } finally {
        debuggable.debuggablePromise = original;
    }
}

// ---------------------------------------------------------------------------------------------
// 6. A program that throws leaves rejections nobody observes (runtime/stack.js: the root Stack
// derives `this.outputs = output(this.getData())` from the failed initialisation, and the
// Output's derived promises are awaited by no one). Under `pulumi`, the language host's
// unhandledRejection handler reports them as the program's failure; in-process, the offline
// plan reports the error itself, so exactly those rejections (the same error object) are
// expected. Any other unhandled rejection still crashes the process, as Node's default does.
// ---------------------------------------------------------------------------------------------

const expected = new WeakSet<object>();
let listening = false;

/** `err`, already reported, may also surface as an unhandled rejection: ignore exactly that one. */
export function expectUnobservedRejection(err: unknown): void {
    if (typeof err !== "object" || err === null) return;
    expected.add(err);
    if (listening) return;
    listening = true;
    process.on("unhandledRejection", (reason) => {
        if (typeof reason === "object" && reason !== null && expected.has(reason)) return;
        throw reason;
    });
}
