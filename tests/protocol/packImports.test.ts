/**
 * How the pack shares code with the program, proven: the CLI runs the pack from policy/ with
 * policy/node_modules, and the pack imports the AWS facts it shares with the program from
 * ../lib. That is safe only while every shared module is plain TypeScript that imports nothing
 * but other shared modules: then every npm import of the pack resolves in policy/node_modules,
 * and exactly one copy of @pulumi/pulumi (the pack's own) is loaded in the pack's process.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { builtinModules } from "node:module";
import { buildSync } from "esbuild";
import { POLICY_PACK_DIR } from "../../tools/engine/run";
import { ROOT } from "../helpers";

const LIB = path.join(ROOT, "lib");

/** The pack's runtime module graph, as Node would load it from policy/index.ts. */
function packGraph() {
    const { metafile } = buildSync({
        entryPoints: [path.join(POLICY_PACK_DIR, "index.ts")],
        bundle: true,
        write: false,
        platform: "node",
        format: "cjs",
        packages: "external",
        metafile: true,
        logLevel: "silent",
    });
    // Relative "externals" are imports esbuild elided because they name types only.
    const isPackage = (p: string) => !p.startsWith(".") && !path.isAbsolute(p);
    return Object.entries(metafile!.inputs).map(([file, input]) => ({
        file: path.resolve(ROOT, file),
        external: input.imports.filter((i) => i.external && isPackage(i.path)).map((i) => i.path),
    }));
}

describe("the policy pack's imports", () => {
    const graph = packGraph();

    it("loads nothing from outside policy/ but the shared modules in lib/", () => {
        const outside = graph.filter((m) => !m.file.startsWith(POLICY_PACK_DIR + path.sep)).map((m) => path.relative(ROOT, m.file));
        assert.ok(outside.length > 0, "the pack shares no module (then this test should go)");
        assert.deepEqual(
            outside.filter((f) => !f.startsWith(`lib${path.sep}`)),
            [],
        );
    });

    it("shared modules import no npm package (so no second @pulumi/pulumi can load from the project's node_modules)", () => {
        const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
        const offenders = graph
            .filter((m) => m.file.startsWith(LIB + path.sep))
            .flatMap((m) => m.external.filter((i) => !builtins.has(i)).map((i) => `${path.relative(ROOT, m.file)} imports ${i}`));
        assert.deepEqual(offenders, []);
    });

    it("every npm import of the pack resolves in policy/node_modules", () => {
        const packages = [...new Set(graph.flatMap((m) => m.external))].filter((i) => !i.startsWith("node:"));
        assert.ok(packages.includes("@pulumi/policy"), packages.join(", "));
        for (const p of packages) {
            const resolved = require.resolve(p, { paths: [POLICY_PACK_DIR] });
            assert.ok(resolved.startsWith(path.join(POLICY_PACK_DIR, "node_modules") + path.sep), `${p} resolves to ${resolved}`);
        }
        // The policy SDK's own @pulumi/pulumi is the pack's copy too.
        const sdk = require.resolve("@pulumi/pulumi", { paths: [path.dirname(require.resolve("@pulumi/policy", { paths: [POLICY_PACK_DIR] }))] });
        assert.ok(sdk.startsWith(path.join(POLICY_PACK_DIR, "node_modules") + path.sep), sdk);
    });
});
