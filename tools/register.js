// Run the TypeScript sources directly: transpile each project .ts file with esbuild
// as it is required (type-checking is `npm run typecheck`, once, not on every run).
// Hand-written rather than tsx or esbuild-register because those also route every
// node_modules require through their hooks, which costs ~0.2–0.5 s per plan
// (measured with the production stack); this hook only touches .ts files, and keeps
// the transpiled output in node_modules/.cache keyed by file content, so a plan
// does not pay for esbuild again until a source changes.
"use strict";
// V8 code cache for every module compiled in this process (Node 20 has no built-in
// compile cache): about a third of a plan is V8 compiling @pulumi/* sources.
require("v8-compile-cache");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

// @pulumi/pulumi loads @npmcli/arborist (~0.2 s) and TypeScript (~0.13 s) at import time,
// only to serialize function closures, which this program never does. For exactly those
// importers the module is replaced by a proxy that loads the real one on first property
// access; it reports itself as an ES module so that TypeScript's __importStar keeps it
// as is instead of enumerating (and so loading) it. `pulumi up` does not use this hook.
const Module = require("node:module");
const DEFERRED = [
    { request: "@npmcli/arborist", importer: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/ },
    { request: "../../typescript-shim", importer: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]parseFunction\.js$/ },
];
const load = Module._load;
Module._load = function deferClosureSerializer(request, parent, isMain) {
    if (parent && DEFERRED.some((d) => d.request === request && d.importer.test(parent.filename))) {
        let real;
        const target = () => (real ??= load.call(Module, request, parent, isMain));
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
    return load.apply(this, arguments);
};

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "ts-register");
let esbuild;

function transpile(source, filename) {
    esbuild ??= require("esbuild");
    return esbuild.transformSync(source, {
        loader: "ts",
        format: "cjs",
        target: "node20",
        sourcemap: "inline",
        sourcefile: filename,
    }).code;
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha1").update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(CACHE, `${key}.js`);
    let code;
    try {
        code = fs.readFileSync(cached, "utf8");
    } catch {
        code = transpile(source, filename);
        try {
            fs.mkdirSync(CACHE, { recursive: true });
            fs.writeFileSync(`${cached}.${process.pid}`, code);
            fs.renameSync(`${cached}.${process.pid}`, cached); // atomic: parallel runs never read half a file
        } catch {
            // A read-only checkout still runs, just without the cache.
        }
    }
    module._compile(code, filename);
};
