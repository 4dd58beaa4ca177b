/**
 * Program runs kept on disk for the test suite (`keepPlans()`), shared by mocha's workers and by
 * later runs of `npm test`: the suite asks for a few hundred distinct configs, and a run costs
 * ~0.15 s of CPU under the mocks, most of it the Pulumi SDK's own machinery.
 *
 * Sound the way a compiler cache is (ccache's "direct mode", Bazel's action cache): an entry is
 * stored under a hash of every input of the run (the key tools/plan/run.ts builds: program path,
 * config, deployed outputs and states, targets, organization) and carries the manifest of the code
 * the run executed: every source file (outside node_modules; a program variant in a temporary
 * folder too) in the module graph of the program and of the offline plan itself (Node's
 * `module.children`, which lists each module a module required, cached or not), with a hash of its
 * content, and the files that would shadow one of them were they there (b.js beside b.ts). An entry
 * is used only while every file in its manifest still has that content, none of those has appeared,
 * and none was written after the process started (`loadedSince`: an editor's save during the run
 * would otherwise pair the new text's hash with the old text's result). The installed packages are
 * fingerprinted by npm's own record of them (node_modules/.package-lock.json, rewritten by every
 * `npm ci`/`npm install`), beside the Node version (the entries are V8's structured-clone
 * serialization, as `structuredClone` copies them), the process's locale settings and the transpile
 * set-up (tsconfig.json, tools/register.js).
 *
 * Not covered: what changes a run from outside its module graph: a package file edited by hand
 * inside node_modules, a module preloaded beside tools/register.js (.mocharc.json `require`), a
 * builtin a test replaces around a plan (String.prototype.localeCompare, Date). Clear the cache
 * (`rm -rf node_modules/.cache/plans`), or plan with keepPlans(false) while a builtin is replaced.
 *
 * The tools never use this: an operator's plan always runs the program.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";

interface Entry<T> {
    /** A hash of the key the entry was written for: bytes under another key's name (a rename that outran its data) are not this key's. */
    keyHash: string;
    /** Path (project-relative inside the project) and content hash of every source the run executed. */
    manifest: [string, string][];
    /** Files that were not there and that Node would have loaded instead of a source of the manifest (shadowsOf). */
    absent: string[];
    value: T;
}

/** The loaded modules whose code produced a value (absolute paths, as require.resolve gives them). */
export interface Sources {
    program: string;
    machinery: string;
    opaque?: readonly string[];
}

type Manifest = Pick<Entry<unknown>, "manifest" | "absent">;

const sha1 = (data: string | Buffer): string => crypto.createHash("sha1").update(data).digest("hex");
/** Another hash than the file name's (SHA-1): two keys colliding in both is out of reach. */
const sha256 = (data: string): string => crypto.createHash("sha256").update(data).digest("hex");

/**
 * The locale settings the process was started with (LC_ALL, LANG, TZ): the runs' text can depend on
 * them (lib/containerSecrets.ts orders a task definition's secrets with localeCompare, and "AA" sorts
 * after "Z" in Danish), so a run in one locale is never another locale's.
 */
const localeOfProcess = (): string => JSON.stringify([new Intl.Collator().resolvedOptions(), new Intl.DateTimeFormat().resolvedOptions()]);

/**
 * The files Node would load instead of `file` for a request that found it, had they been there: the
 * bare name, then the name with each extension tried before its own (Module._findPath tries them in
 * the order of require.extensions: .js, .json, .node, then .ts from tools/register.js). One that
 * appears (another branch's b.js, a stray build output beside b.ts) changes what the run loads.
 */
function shadowsOf(file: string): string[] {
    const ext = path.extname(file);
    const tried = Object.keys(require.extensions);
    const own = tried.indexOf(ext);
    if (own < 0) return [];
    const bare = file.slice(0, -ext.length);
    return [bare, ...tried.slice(0, own).map((e) => bare + e)];
}

/** How far a file's mtime may lag its write: FAT keeps mtimes to 2 s (ext4, APFS and NTFS to 100 ns or better). */
const MTIME_RESOLUTION_MS = 2000;

export interface DiskCacheOptions {
    /** @default node_modules/.cache/plans in the project */
    dir?: string;
    /**
     * When this process may have started loading sources (`performance.timeOrigin`). A source written
     * at or after it may differ from the copy the process runs (a kept module loaded before the
     * write) or from the one it hashed (hashes are read once per process, after a run): no entry that
     * lists it is kept or used. @default none: the caller vouches that no source changes while it runs
     */
    loadedSince?: number;
}

/** The root modules of this process's entries so far (each run's program, the planner). */
const earlierRoots = new WeakSet<NodeModule>();

export class DiskCache<T> {
    /** Content hashes of the files read in this process (each read once; `loadedSince` catches a later write). */
    private readonly hashes = new Map<string, string | undefined>();
    private readonly dir: string;
    private readonly loadedSince: number | undefined;

    constructor(
        private readonly projectDir: string,
        { dir = path.join(projectDir, "node_modules", ".cache", "plans"), loadedSince }: DiskCacheOptions = {},
    ) {
        this.loadedSince = loadedSince;
        // One folder per installed package set, Node version, locale and transpile set-up (the hook and
        // the tsconfig.json it transpiles with: not modules of the run, but they shape its code).
        const setup = [path.join("node_modules", ".package-lock.json"), "tsconfig.json", path.join("tools", "register.js")].map(
            (f) => `${f}:${this.hashOf(f) ?? "none"}`,
        );
        this.dir = path.join(dir, sha1([process.version, localeOfProcess(), ...setup].join("\n")).slice(0, 16));
        prune(dir, this.dir);
    }

    /** The kept value for `key`, if its manifest still matches the sources; undefined otherwise. */
    get(key: string): T | undefined {
        let entry: Entry<T>;
        try {
            entry = v8.deserialize(fs.readFileSync(this.fileOf(key))) as Entry<T>;
        } catch {
            return undefined; // absent, or cut short by a process that died mid-write (never renamed)
        }
        if (entry.keyHash !== sha256(key)) return undefined;
        const sources = entry.manifest.every(([file, hash]) => this.hashOf(file) === hash);
        const unshadowed = Array.isArray(entry.absent) && entry.absent.every((file) => this.hashOf(file) === undefined);
        return sources && unshadowed && !this.writtenSinceLoad(entry) ? entry.value : undefined;
    }

    /**
     * Keep `value` for `key`, with the manifest of the code that produced it (`sources`). Written to a temporary
     * file and renamed: a reader sees the whole entry or none, and two workers writing the same
     * key write the same bytes.
     */
    set(key: string, value: T, sources: Sources): void {
        const manifest = this.manifestOf(sources);
        if (!manifest) return; // a source vanished while running: keep nothing rather than guess
        // A source saved while the run was under way: its hash is not that of the copy the run executed.
        if (this.writtenSinceLoad(manifest)) return;
        const file = this.fileOf(key);
        const tmp = `${file}.${crypto.randomBytes(6).toString("hex")}.tmp`;
        try {
            fs.mkdirSync(this.dir, { recursive: true });
            fs.writeFileSync(tmp, v8.serialize({ keyHash: sha256(key), ...manifest, value } satisfies Entry<T>));
            fs.renameSync(tmp, file);
        } catch {
            fs.rmSync(tmp, { force: true }); // a full disk or a read-only tree: the suite runs uncached
        }
    }

    private fileOf(key: string): string {
        return path.join(this.dir, `${sha1(key)}.bin`);
    }

    /**
     * Every source (outside node_modules; inside the project or not) in the module graph of
     * `sources.program` and of `sources.machinery` (the offline plan's own code). An `opaque` module
     * the machinery requires is listed but not followed (unless the program reaches it): what a run
     * takes from it is a value in the key (the organization, from the policy pack's config), so a
     * change to the pack does not make every plan run again.
     */
    private manifestOf(sources: Sources): Manifest | undefined {
        const seen = new Set<string>();
        // Skipped: an earlier run's copy of its program, forgotten since (no longer require's under its name).
        // run.ts's children list every program it ever required, a test's deleted temporary one too.
        const forgottenRoot = (m: NodeModule) => earlierRoots.has(m) && require.cache[m.filename] !== m;
        const visit = (m: NodeModule | undefined, opaque: ReadonlySet<string>): void => {
            if (!m || seen.has(m.filename) || forgottenRoot(m)) return;
            seen.add(m.filename);
            if (opaque.has(m.filename)) return;
            for (const child of m.children) visit(child, opaque);
        };
        visit(require.cache[sources.program], new Set());
        visit(require.cache[sources.machinery], new Set(sources.opaque ?? []));
        for (const root of [sources.program, sources.machinery]) if (require.cache[root]) earlierRoots.add(require.cache[root]);
        // A package is a file under a node_modules folder of the project (or, outside it, anywhere on its path):
        // a project that itself lies under a folder named node_modules keeps its sources.
        const files = [...seen]
            .map((f) => this.nameOf(f))
            .filter((f) => !f.split(path.sep).includes("node_modules"))
            .sort();
        const manifest = files.map((f) => [f, this.hashOf(f)] as [string, string | undefined]);
        if (!manifest.every((e): e is [string, string] => e[1] !== undefined)) return undefined;
        const absent = [...new Set(files.flatMap(shadowsOf))].filter((f) => this.hashOf(f) === undefined).sort();
        return { manifest, absent };
    }

    /** Whether a source of `m` (or a file that would shadow one) was written, or is gone, since this process may have loaded it. */
    private writtenSinceLoad(m: Manifest): boolean {
        if (this.loadedSince === undefined) return false;
        const since = this.loadedSince - MTIME_RESOLUTION_MS;
        const written = (file: string): boolean | undefined => {
            try {
                const stat = fs.statSync(path.resolve(this.projectDir, file));
                return Math.max(stat.mtimeMs, stat.ctimeMs) >= since; // ctime too: `cp -p` and `touch -d` set an old mtime
            } catch {
                return undefined;
            }
        };
        return m.manifest.some(([file]) => written(file) ?? true) || m.absent.some((file) => written(file) ?? false);
    }

    /** A module's name in a manifest: relative to the project inside it (entries survive a move of the checkout), absolute outside it. */
    private nameOf(file: string): string {
        const relative = path.relative(this.projectDir, file);
        return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? file : relative;
    }

    private hashOf(file: string): string | undefined {
        if (!this.hashes.has(file)) {
            let hash: string | undefined;
            try {
                hash = sha1(fs.readFileSync(path.resolve(this.projectDir, file)));
            } catch {
                hash = undefined;
            }
            this.hashes.set(file, hash);
        }
        return this.hashes.get(file);
    }
}

/** Entries kept per folder before the oldest go: the suite asks for ~700 plans, some keyed by the clock (a bake's start). */
export const MAX_ENTRIES = 2000;
/** A folder of another package set or transpile set-up, untouched this long, belongs to no running suite. */
const STALE_FOLDER_MS = 60 * 60 * 1000;

/** Remove other set-ups' folders and, past MAX_ENTRIES, the oldest written entries down to half. */
export function prune(root: string, current: string): void {
    try {
        for (const name of fs.readdirSync(root)) {
            const folder = path.join(root, name);
            if (folder !== current && Date.now() - fs.statSync(folder).mtimeMs > STALE_FOLDER_MS) fs.rmSync(folder, { recursive: true, force: true });
        }
        const entries = fs.readdirSync(current);
        if (entries.length <= MAX_ENTRIES) return;
        const byAge = entries
            .map((name) => ({ file: path.join(current, name), at: fs.statSync(path.join(current, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
            .sort((a, b) => a.at - b.at);
        for (const { file } of byAge.slice(0, entries.length - MAX_ENTRIES / 2)) fs.rmSync(file, { force: true });
    } catch {
        // Nothing kept yet, or another process pruning at the same time: nothing to do.
    }
}
