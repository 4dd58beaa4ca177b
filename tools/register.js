// Run the TypeScript sources directly: transpile each project .ts file with esbuild
// as it is required (type-checking is `npm run typecheck`, once, not on every run).
// Hand-written rather than tsx or esbuild-register because those also route every
// node_modules require through their hooks, which costs ~0.2–0.5 s per plan
// (measured with the production stack); this hook only touches .ts files.
"use strict";
const fs = require("node:fs");
const esbuild = require("esbuild");

require.extensions[".ts"] = function compileTypeScript(module, filename) {
    const { code } = esbuild.transformSync(fs.readFileSync(filename, "utf8"), {
        loader: "ts",
        format: "cjs",
        target: "node20",
        sourcemap: "inline",
        sourcefile: filename,
    });
    module._compile(code, filename);
};
