// Run the TypeScript sources directly: transpile each project .ts file as it is required
// (type-checking is `npm run typecheck`, once, not on every run).
// Hand-written rather than tsx or esbuild-register because those also route every
// node_modules require through their hooks, which costs ~0.2–0.5 s per plan
// (measured with the production stack); this hook only touches .ts files, and keeps
// the transpiled output in node_modules/.cache keyed by file content, tsconfig and
// TypeScript version, so a plan does not pay for the transpiler until a source changes.
"use strict";
// V8 code cache for every module compiled in this process (Node 20 has no built-in
// compile cache): about a third of a plan is V8 compiling @pulumi/* sources.
require("v8-compile-cache");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "ts-register");
const TSCONFIG = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
const TS_VERSION = require("typescript/package.json").version;
let ts;
let compilerOptions;

// TypeScript's own transpileModule with the project's tsconfig.json: the very emit ts-node
// gives the program under `pulumi up` (cmd/run registers ts-node with this tsconfig). A
// different transpiler differs in module semantics: esbuild, used here before, hoists every
// import above the module body as ES modules require, while TypeScript's CommonJS emit keeps
// statements in source order, so a program that registers a stack transformation before
// importing the rest behaved differently offline (tests/protocol found it). Loaded only on a
// cache miss.
function transpile(source, filename) {
    ts ??= require("typescript");
    compilerOptions ??= ts.parseJsonConfigFileContent(ts.parseConfigFileTextToJson("tsconfig.json", TSCONFIG).config, ts.sys, ROOT).options;
    return ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { ...compilerOptions, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false },
    }).outputText;
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto
        .createHash("sha1")
        .update(TS_VERSION)
        .update("\0")
        .update(TSCONFIG)
        .update("\0")
        .update(filename)
        .update("\0")
        .update(source)
        .digest("hex");
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

// The SDK-internal patches live in one module (tools/sdkInternals.ts, tested against the
// installed SDK); this one defers the closure serializer's heavy imports. `pulumi up` does
// not use this hook.
require("./sdkInternals.ts").deferClosureSerializer();
