/**
 * Stack files as the Pulumi CLI reads them: `Pulumi.yaml` for the project name and
 * `Pulumi.<stack>.yaml` for config, with `--set path=value` applied like
 * `pulumi config set --path` and secure values replaced by placeholders.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isScalar, parseDocument } from "yaml";
import { ZodError } from "zod";
import { ConfigError, UsageError } from "../../lib/errors";

export { SECRET_PLACEHOLDER } from "../../lib/config";
import { SECRET_PLACEHOLDER, StackModel, modelFromFlatConfig } from "../../lib/config";

export { UsageError };

export interface LoadedStackConfig {
    project: string;
    stack: string;
    /** Flat map as the runtime sees it: "project:key" → text (objects as JSON). */
    config: Record<string, string>;
    /** Keys whose value is secure in the stack file. */
    secretKeys: string[];
}

/** Errors reading a file that the operator fixes (its permissions, the disk), as they read them. */
const UNREADABLE: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "it is a folder",
    EIO: "input/output error",
};

/** A project file's text, or one line naming the file and why it cannot be read (exit 2, no trace). */
export function readTextFile(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException | null)?.code;
        if (typeof code !== "string" || !(code in UNREADABLE)) throw e;
        throw new ConfigError(`cannot read ${path.basename(file)} in ${path.dirname(file)}: ${UNREADABLE[code]} (${code})`);
    }
}

export function readProjectName(dir: string): string {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) throw new ConfigError(`no Pulumi.yaml in ${dir}: run the tools from the project's folder`);
    const doc = yamlOf(readTextFile(file), "Pulumi.yaml") as { name?: unknown } | null;
    if (typeof doc?.name !== "string") throw new ConfigError(`Pulumi.yaml has no project name (name: payments-migration)`);
    return doc.name;
}

/** Whether a map key is the YAML merge key `<<` (a plain `<<`, or the symbol the yaml package resolves it to with `merge: true`). */
export const isMergeKeyNode = (key: unknown): boolean => {
    const value: unknown = isScalar(key) ? key.value : key;
    return value === "<<" || (typeof value === "symbol" && value.description === "<<");
};

/**
 * YAML as Pulumi reads a stack file: go-yaml (pulumi/pulumi sdk/go/common/encoding,
 * `yamlMarshaler.Unmarshal` → gopkg.in/yaml.v3) resolves `<<` merge keys, so the tools do too;
 * the `yaml` package only does with `merge: true` (it follows YAML 1.2, where `<<` is a plain key).
 * go-yaml refuses a second `<<` in one map like any duplicate key ("mapping key "<<" already
 * defined": go-yaml/yaml#478), where the `yaml` package would merge both: refused here too.
 */
export const YAML_AS_PULUMI_READS = {
    merge: true,
    uniqueKeys: (a: unknown, b: unknown) => a === b || (isScalar(a) && isScalar(b) && (a.value === b.value || (isMergeKeyNode(a) && isMergeKeyNode(b)))),
} as const;

/** Stack files parsed, by their text: a process that plans many times (the canary tool's walk, the tests) reads the same few files over and over. */
const parsedByText = new Map<string, unknown>();
const PARSED_KEPT = 32;

/** A YAML file's content, or a ConfigError naming the file and the first problem's line (the message alone, without its code frame). */
function yamlOf(text: string, fileName: string): unknown {
    if (!parsedByText.has(text)) {
        const doc = parseDocument(text, YAML_AS_PULUMI_READS);
        if (doc.errors.length > 0) throw new ConfigError(`${fileName} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
        if (parsedByText.size >= PARSED_KEPT) parsedByText.delete(parsedByText.keys().next().value!);
        parsedByText.set(text, doc.toJS() as unknown);
    }
    // Each caller gets its own copy: config is edited in place (--set).
    return structuredClone(parsedByText.get(text));
}

/** The keys a stack file may hold at its top level (Pulumi's ProjectStack: pulumi/pulumi sdk/go/common/workspace/project.go). */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * A stack file's `config` map, or a ConfigError naming the file and what is wrong with its
 * shape: empty (a write cut short), not a map, a misspelled top-level key, no `config:`.
 */
function configMapOf(text: string, fileName: string): Record<string, unknown> {
    const parsed = yamlOf(text, fileName);
    const restore = `restore it (git checkout -- ${fileName}) or fix it`;
    if (parsed === null || parsed === undefined) throw new ConfigError(`${fileName} is empty: expected a config: map; ${restore}`);
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${fileName}: expected a map with a config: key at the top; ${restore}`);
    const unknown = Object.keys(parsed).filter((k) => !STACK_FILE_KEYS.includes(k));
    if (unknown.length > 0) {
        throw new ConfigError(
            `${fileName}: unknown top-level key ${unknown.join(", ")}; a stack file holds ${STACK_FILE_KEYS.join(", ")} (config: is the one this program reads)`,
        );
    }
    const config = (parsed as { config?: unknown }).config;
    if (config === undefined || config === null) throw new ConfigError(`${fileName} has no config: map; ${restore}`);
    if (typeof config !== "object" || Array.isArray(config)) throw new ConfigError(`${fileName}: config: must be a map of keys to values`);
    return config as Record<string, unknown>;
}

/**
 * The typed model of a stack file's config: lib/config's one validation, with the file named.
 * A ZodError escaping lib/config (a section's default that cannot be built, e.g. no `alb`
 * section: its certificateArn has no default) becomes the same kind of ConfigError.
 */
export function modelOfStackFile(loaded: LoadedStackConfig, file = stackFilePath(".", loaded.stack)): StackModel {
    const name = path.basename(file);
    try {
        return modelFromFlatConfig(loaded.config, loaded.project, loaded.stack);
    } catch (e) {
        // One line: "invalid config for stack …:" and each key's problem after it.
        if (e instanceof ConfigError) {
            const [head, ...issues] = e.message
                .split("\n")
                .map((l) => l.trim())
                .filter(Boolean);
            throw new ConfigError(`${name}: ${[head, issues.join("; ")].filter(Boolean).join(" ")}`);
        }
        if (!(e instanceof ZodError)) throw e;
        const sections = Object.keys(loaded.config)
            .filter((k) => k.startsWith(`${loaded.project}:`))
            .map((k) => k.slice(loaded.project.length + 1));
        const issue = e.issues[0];
        throw new ConfigError(
            `${name}: invalid config for stack "${loaded.stack}": a section is missing or incomplete (${issue?.path.join(".")}: ${issue?.message}); the file has ${sections.join(", ") || "no section"}`,
        );
    }
}

/**
 * The stack's own name in a `--stack` as typed: the last segment of a fully qualified
 * `org/project/stack` (the name Pulumi Cloud shows and `pulumi stack ls` prints). Pulumi names
 * the stack's files after it: `loadProjectStack` → `workspace.DetectProjectStackPath(stack.Ref().Name().Q())`
 * (pulumi/pulumi pkg/cmd/pulumi), so `--stack acme/payments-migration/production` reads
 * Pulumi.production.yaml; resource URNs carry the same name. The full name stays wherever
 * `--stack` is printed or passed to the CLI: it names the organization the stack lives in.
 */
export function stackNameOf(stack: string): string {
    return stack.slice(stack.lastIndexOf("/") + 1);
}

export function stackFilePath(dir: string, stack: string): string {
    return path.join(dir, `Pulumi.${stackNameOf(stack)}.yaml`);
}

/** Whether a YAML value is a Pulumi secure value ({ secure: "v1:..." }). */
function isSecure(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** Replace every secure value (at any depth) with the placeholder; report whether there was one. */
function stripSecure(v: unknown): { value: unknown; secret: boolean } {
    if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
    if (Array.isArray(v)) {
        let secret = false;
        const value = v.map((x) => {
            const r = stripSecure(x);
            secret ||= r.secret;
            return r.value;
        });
        return { value, secret };
    }
    if (typeof v === "object" && v !== null) {
        let secret = false;
        const value: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const r = stripSecure(x);
            secret ||= r.secret;
            value[k] = r.value;
        }
        return { value, secret };
    }
    return { value: v, secret: false };
}

/** `canary.routes[0].weight` → ["canary", "routes", 0, "weight"]. */
export function parseConfigPath(p: string): (string | number)[] {
    const segments: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g;
    let consumed = 0;
    for (const m of p.matchAll(re)) {
        if (m.index !== consumed) {
            throw new UsageError(`invalid config path "${p}"`);
        }
        consumed = m.index + m[0].length;
        if (p[consumed] === ".") consumed++;
        segments.push(m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[1]));
    }
    if (segments.length === 0 || consumed !== p.length || p.endsWith(".")) {
        throw new UsageError(`invalid config path "${p}"`);
    }
    return segments;
}

/**
 * A value typed on the command line, read the way `pulumi config set --path` stores it:
 * "true"/"false" become booleans, integers without a leading zero become numbers, everything
 * else (decimals included) stays a string (pulumi/pulumi sdk/go/common/resource/config/map.go,
 * `adjustObjectValue`). Without --path, a top-level value is always a string.
 */
export function parseCliValue(text: string, path = true): unknown {
    if (!path) return text;
    if (text === "true") return true;
    if (text === "false") return false;
    if (text.length > 1 && text.startsWith("0")) return text;
    if (/^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
    return text;
}

/** Set `value` at `segments` inside `root`, creating objects and arrays as `pulumi config set --path` does. */
export function setAtPath(root: Record<string, unknown>, segments: (string | number)[], value: unknown): void {
    let node: Record<string | number, unknown> = root;
    segments.forEach((seg, i) => {
        const last = i === segments.length - 1;
        if (last) {
            node[seg] = value;
            return;
        }
        const next = segments[i + 1];
        if (node[seg] === undefined || node[seg] === null || typeof node[seg] !== "object") {
            node[seg] = typeof next === "number" ? [] : {};
        }
        node = node[seg] as Record<string | number, unknown>;
    });
}

/** Full key ("project:canary") and the path inside it from a `--set` key such as "canary.weight". */
export function splitSetKey(key: string, project: string): { fullKey: string; rest: (string | number)[] } {
    const [nsPart, pathPart] = key.includes(":") ? [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)] : [project, key];
    const segments = parseConfigPath(pathPart);
    const head = segments[0];
    if (typeof head !== "string") {
        throw new UsageError(`invalid config path "${key}": it must start with a key name`);
    }
    return { fullKey: `${nsPart}:${head}`, rest: segments.slice(1) };
}

/** The stack file of `stack` in `dir`, or a UsageError naming the stacks there (a mistyped --stack). */
export function requireStackFile(dir: string, stack: string): string {
    const file = stackFilePath(dir, stack);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(dir)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => !!s);
        throw new UsageError(`no stack file ${path.basename(file)}; stacks here: ${known.join(", ") || "none"}`);
    }
    return file;
}

export function loadStackConfig(dir: string, stack: string, sets: readonly string[] = []): LoadedStackConfig {
    const project = readProjectName(dir);
    const file = requireStackFile(dir, stack);
    return stackConfigFromText(readTextFile(file), project, stack, sets, path.basename(file));
}

/** The same, from a stack file's text (the canary tool passes edited text before writing it). */
export function stackConfigFromText(text: string, project: string, stack: string, sets: readonly string[] = [], fileName = "stack file"): LoadedStackConfig {
    const values: Record<string, unknown> = { ...configMapOf(text, fileName) };
    for (const set of sets) {
        const eq = set.indexOf("=");
        if (eq <= 0) {
            throw new UsageError(`--set expects path=value, got "${set}"`);
        }
        applyConfigChange(values, project, { key: set.slice(0, eq), text: set.slice(eq + 1) });
    }
    return loadedFromValues(values, project, stack);
}

/**
 * Config namespaces besides the project's: those of the providers and the engine this program
 * uses (`aws:region`, `pulumi:tags`, …). A key in any other namespace is read by nothing — a
 * misspelled project name (`paymnts-migration:tags`) would be silently ignored by Pulumi — so
 * it is refused.
 */
export const PROVIDER_NAMESPACES: readonly string[] = ["aws", "awsx", "random", "pulumi"];

function checkNamespaces(keys: readonly string[], project: string): void {
    const unknown = keys.filter((k) => k.includes(":") && ![project, ...PROVIDER_NAMESPACES].includes(k.slice(0, k.indexOf(":"))));
    if (unknown.length > 0) {
        throw new ConfigError(
            `config keys in an unknown namespace, read by nothing: ${unknown.join(", ")}; expected ${project}: (this project) or a provider's (${PROVIDER_NAMESPACES.map((n) => `${n}:`).join(", ")})`,
        );
    }
}

/** One `pulumi config set --path <key> <text>` (or, with `remove`, `pulumi config rm --path <key>`). */
export interface ConfigChange {
    key: string;
    text?: string;
    remove?: boolean;
    /** `--type string`: keep the text a string even if it reads as a number or boolean. */
    asString?: boolean;
}

/** Apply one change to the stack file's `config` map with the CLI's semantics (what `--set` and the printed commands mean). */
export function applyConfigChange(values: Record<string, unknown>, project: string, change: ConfigChange): void {
    const { fullKey, rest } = splitSetKey(change.key, project);
    if (change.remove) {
        if (rest.length === 0) {
            delete values[fullKey];
            return;
        }
        const container = structuredClone(values[fullKey]);
        let node: unknown = container;
        for (const seg of rest.slice(0, -1)) node = node && typeof node === "object" ? (node as Record<string | number, unknown>)[seg] : undefined;
        const last = rest[rest.length - 1];
        if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
        else if (node && typeof node === "object") delete (node as Record<string | number, unknown>)[last];
        values[fullKey] = container;
        return;
    }
    const value = change.asString ? (change.text ?? "") : parseCliValue(change.text ?? "");
    if (rest.length === 0) {
        values[fullKey] = change.text ?? "";
    } else {
        const current = values[fullKey];
        const container = typeof current === "object" && current !== null ? structuredClone(current) : {};
        setAtPath(container as Record<string, unknown>, rest, value);
        values[fullKey] = container;
    }
}

/** The flat config map the runtime sees, from the stack file's `config` map. */
export function loadedFromValues(values: Record<string, unknown>, project: string, stack: string): LoadedStackConfig {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    checkNamespaces(Object.keys(values), project);
    for (const [key, raw] of Object.entries(values)) {
        const { value, secret } = stripSecure(raw);
        if (secret) secretKeys.push(key);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    // The stack's own name, as the program sees it (pulumi.getStack()) and its URNs carry it.
    return { project, stack: stackNameOf(stack), config, secretKeys };
}
