// Run the TypeScript sources directly: transpile each project .ts file with esbuild
// as it is required (type-checking is `npm run typecheck`, once, not on every run).
// Hand-written rather than tsx or esbuild-register because those also route every
// node_modules require through their hooks, which costs ~0.2–0.5 s per plan
// (measured with the production stack); this hook only touches .ts files, and keeps
// the transpiled output in node_modules/.cache keyed by file content, so a plan
// does not pay for esbuild again until a source changes.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

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
