/**
 * tools/plan/diskCache.ts: a kept plan is used only while every source the run executed has the
 * content it had, and never when the entry is torn or the installed packages changed.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DiskCache, MAX_ENTRIES, prune } from "../../tools/plan/diskCache";
import { tempDir } from "../helpers";

/** A project with a program a.js that requires b.js (and a package record), its modules loaded. */
function project(): { dir: string; root: string } {
    const dir = tempDir("disk-cache");
    fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), '{"lockfileVersion":3}');
    fs.writeFileSync(path.join(dir, "b.js"), "module.exports = 1;\n");
    fs.writeFileSync(path.join(dir, "a.js"), 'module.exports = require("./b") + 1;\n');
    const root = path.join(dir, "a.js");
    require(root);
    return { dir, root };
}

describe("tools/plan/diskCache (plans kept on disk for the test suite)", () => {
    it("gives back what was kept, for the same key only", () => {
        const { dir, root } = project();
        const cache = new DiskCache<{ n: number; u?: undefined }>(dir);
        assert.equal(cache.get("k"), undefined);
        cache.set("k", { n: 1, u: undefined }, { program: root, machinery: root });
        assert.deepEqual(new DiskCache(dir).get("k"), { n: 1, u: undefined });
        assert.equal(new DiskCache(dir).get("other"), undefined);
    });

    it("forgets an entry once a source the run required (directly or not) changes", () => {
        const { dir, root } = project();
        new DiskCache<number>(dir).set("k", 2, { program: root, machinery: root });
        fs.writeFileSync(path.join(dir, "b.js"), "module.exports = 5;\n");
        assert.equal(new DiskCache<number>(dir).get("k"), undefined, "b.js is required by a.js: in the manifest");
        new DiskCache<number>(dir).set("k", 6, { program: root, machinery: root });
        fs.rmSync(path.join(dir, "a.js"));
        assert.equal(new DiskCache<number>(dir).get("k"), undefined, "a source that is gone");
    });

    it("an opaque module of the machinery is in the manifest, what it requires is not (unless the program requires it too)", () => {
        const { dir, root } = project();
        const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
        write("p.js", "module.exports = 1;\n");
        write("o.js", 'module.exports = require("./p");\n');
        write("m.js", 'module.exports = require("./o");\n');
        const machinery = path.join(dir, "m.js");
        require(machinery);
        const sources = { program: root, machinery, opaque: [path.join(dir, "o.js")] };
        new DiskCache<number>(dir).set("k", 7, sources);
        write("p.js", "module.exports = 2;\n");
        assert.equal(new DiskCache<number>(dir).get("k"), 7, "p.js only reached through the opaque o.js");
        write("o.js", 'module.exports = require("./p") + 0;\n');
        assert.equal(new DiskCache<number>(dir).get("k"), undefined, "the opaque module itself is listed");
        // A program that requires p.js itself: p.js is the program's, whatever else reaches it.
        write("b.js", 'module.exports = require("./p");\n');
        delete require.cache[path.join(dir, "b.js")];
        require(path.join(dir, "b.js"));
        new DiskCache<number>(dir).set("k2", 8, { ...sources, program: path.join(dir, "b.js") });
        write("p.js", "module.exports = 3;\n");
        assert.equal(new DiskCache<number>(dir).get("k2"), undefined);
    });

    it("forgets every entry when the installed packages change", () => {
        const { dir, root } = project();
        new DiskCache<number>(dir).set("k", 3, { program: root, machinery: root });
        fs.writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), '{"lockfileVersion":3,"packages":{}}');
        assert.equal(new DiskCache<number>(dir).get("k"), undefined);
    });

    it("forgets every entry when the transpile set-up (tsconfig.json, tools/register.js) changes", () => {
        for (const file of ["tsconfig.json", path.join("tools", "register.js")]) {
            const { dir, root } = project();
            new DiskCache<number>(dir).set("k", 4, { program: root, machinery: root });
            fs.mkdirSync(path.join(dir, "tools"), { recursive: true });
            fs.writeFileSync(path.join(dir, file), "{}");
            assert.equal(new DiskCache<number>(dir).get("k"), undefined, file);
        }
    });

    it("reads an entry cut short by a process that died mid-write as absent", () => {
        const { dir, root } = project();
        const cache = new DiskCache<string>(dir);
        cache.set("k", "x".repeat(1000), { program: root, machinery: root });
        const folder = path.join(dir, "node_modules", ".cache", "plans");
        const [sub] = fs.readdirSync(folder);
        const [entry] = fs.readdirSync(path.join(folder, sub));
        const file = path.join(folder, sub, entry);
        fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
        assert.equal(new DiskCache<string>(dir).get("k"), undefined);
    });

    it("keeps at most MAX_ENTRIES entries (the oldest written go, down to half) and removes other set-ups' folders once stale", () => {
        const root = tempDir("disk-cache-prune");
        const current = path.join(root, "current");
        const other = path.join(root, "other");
        const recent = path.join(root, "recent");
        for (const d of [current, other, recent]) fs.mkdirSync(d);
        const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
        fs.utimesSync(other, old, old);
        for (let i = 0; i <= MAX_ENTRIES; i++) {
            const file = path.join(current, `${i}.bin`);
            fs.writeFileSync(file, "");
            const at = new Date(1_000_000_000_000 + i * 1000);
            fs.utimesSync(file, at, at);
        }
        prune(root, current);
        assert.deepEqual(fs.readdirSync(root).sort(), ["current", "recent"], "a stale folder of another set-up goes; a recent one may be a running suite's");
        const left = fs.readdirSync(current);
        assert.equal(left.length, MAX_ENTRIES / 2);
        assert.ok(left.includes(`${MAX_ENTRIES}.bin`) && !left.includes("0.bin"), "the newest stay");
    });
});
