/**
 * Fails loudly when an SDK upgrade breaks an internal that tools/sdkInternals.ts relies on:
 * each test names the internal, checks it still exists where we expect it, and that it
 * behaves as the offline tools assume.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import Module = require("node:module");
import { DEFERRED_IMPORTS, forgetProgramModules, policySdkProxy, withPlainPromises } from "../../tools/sdkInternals";
import { ROOT_STACK_TYPE } from "../../tools/engine/monitor";
import { plan } from "../planCache";
import { ROOT } from "../helpers";

const SDK = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

describe("SDK internals the offline tools rely on (@pulumi/pulumi and @pulumi/policy as installed)", () => {
    describe("deferred closure serializer (Module._load hook)", () => {
        it("loading @pulumi/pulumi loads neither @npmcli/arborist nor the SDK's TypeScript shim; first use loads each", () => {
            const inCache = (file: string) => require.cache[file] !== undefined;
            const arborist = require.resolve("@npmcli/arborist", { paths: [path.join(SDK, "runtime", "closure")] });
            const shim = require.resolve("@pulumi/pulumi/typescript-shim");
            require("@pulumi/pulumi");
            assert.equal(inCache(arborist), false, "arborist was loaded eagerly");
            assert.equal(inCache(shim), false, "the TypeScript shim was loaded eagerly");
            for (const { request, importer } of DEFERRED_IMPORTS) {
                const file = path.join(SDK, ...importer.split("/"));
                // Module._load is Node's internal loader (untyped): what it returns here is a module's exports object.
                const stub = (Module as unknown as { _load: (...a: unknown[]) => Record<string, unknown> })._load(
                    request,
                    { id: file, filename: file, paths: module.paths },
                    false,
                );
                assert.equal(stub.__esModule, true);
                assert.equal(typeof (request === "@npmcli/arborist" ? stub.Arborist : stub.createSourceFile), "function");
            }
            assert.equal(inCache(arborist), true);
            assert.equal(inCache(shim), true);
        });

        for (const { request, importer } of DEFERRED_IMPORTS) {
            it(`${importer} still requires ${request} at load time`, () => {
                const file = path.join(SDK, ...importer.split("/"));
                assert.ok(fs.existsSync(file), `${file} is gone: the hook in tools/sdkInternals.ts defers nothing`);
                assert.ok(fs.readFileSync(file, "utf8").includes(`require("${request}")`), `${importer} no longer requires ${request}`);
            });
        }
    });

    describe("fresh program modules (require.cache purge)", () => {
        it("forgets the program's modules and keeps node_modules, the tools and the tests", () => {
            const lib = require.resolve("../../lib/ladder");
            require(lib);
            const tool = require.resolve("../../tools/sdkInternals");
            const sdk = require.resolve("@pulumi/pulumi");
            // Put back what it forgets: the later files in this worker share lib/ (its error classes,
            // the pack's policy objects) with the tools, which keep the copies they loaded.
            const loaded = { ...require.cache };
            try {
                forgetProgramModules(ROOT);
                assert.equal(require.cache[lib], undefined);
                assert.ok(require.cache[tool] && require.cache[sdk] && require.cache[__filename]);
            } finally {
                Object.assign(require.cache, loaded);
            }
        });
    });

    describe("in-process monitor (pulumi.runtime.setMockOptions, runInPulumiStack)", () => {
        it("the SDK still exports both", () => {
            assert.equal(typeof pulumi.runtime.setMockOptions, "function");
            assert.equal(typeof pulumi.runtime.runInPulumiStack, "function");
        });

        it("the offline plan runs inside the root stack resource: it parents every top-level resource, with engine URNs, and carries the outputs", async () => {
            const p = await plan("staging");
            const roots = p.states.filter((r) => r.parent === null);
            assert.deepEqual(
                roots.map((r) => [r.type, r.name]),
                [[ROOT_STACK_TYPE, `${p.project}-${p.stack}`]],
            );
            const stackUrn = roots[0].urn;
            assert.ok(p.states.filter((r) => r.parent === stackUrn).length > 3);
            // The engine leaves the root stack's type out of its children's URNs.
            assert.deepEqual(
                p.states.filter((r) => r.urn.includes(`${ROOT_STACK_TYPE}$`)).map((r) => r.urn),
                [],
            );
            // The stack's outputs are registered on it, as `pulumi stack output` shows them.
            assert.deepEqual(Object.keys(roots[0].outputs).sort(), Object.keys(p.outputs).sort());
        });
    });

    describe("plain promises during a plan (runtime/debuggable.js debuggablePromise)", () => {
        it("every SDK caller reaches debuggablePromise through the module object, so replacing the export reaches them all", () => {
            const callers = ["runtime/resource.js", "runtime/rpc.js", "runtime/invoke.js", "runtime/settings.js", "runtime/callbacks.js"];
            for (const file of callers) {
                const source = fs.readFileSync(path.join(SDK, ...file.split("/")), "utf8");
                assert.match(source, /debuggable_1\.debuggablePromise\)?\(/, file);
                // A destructured import would keep the original function.
                assert.doesNotMatch(source, /\{\s*debuggablePromise\s*\}\s*=\s*require/, file);
            }
        });

        it("is the identity inside withPlainPromises, and the SDK's own wrapper again afterwards", async () => {
            const debuggable = require("@pulumi/pulumi/runtime/debuggable");
            const p = Promise.resolve(1);
            const inside = await withPlainPromises(async () => debuggable.debuggablePromise(p, "test") === p);
            assert.equal(inside, true);
            const q = Promise.resolve(2);
            const wrapped = debuggable.debuggablePromise(q, "test");
            assert.notEqual(wrapped, q);
            assert.equal(await wrapped, 2);
            await assert.rejects(
                withPlainPromises(async () => {
                    throw new Error("boom");
                }),
                /boom/,
            );
            assert.notEqual(debuggable.debuggablePromise(q, "test"), q, "restored after a throw");
        });
    });

    describe("policy SDK's unknown-checking proxy (@pulumi/policy/proxy)", () => {
        it("throws its UnknownValueError exactly when an unknown value is read", () => {
            const { unknownCheckingProxy, UnknownValueError, unknownStringValue } = policySdkProxy();
            assert.equal(typeof unknownStringValue, "string");
            const props = unknownCheckingProxy({ known: "yes", arn: unknownStringValue, nested: { id: unknownStringValue } });
            assert.equal(props.known, "yes");
            assert.throws(() => props.arn, UnknownValueError);
            assert.throws(() => props.nested.id, UnknownValueError);
        });
    });
});
