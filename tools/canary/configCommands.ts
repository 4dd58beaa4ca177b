/**
 * The `pulumi config set` commands that make the same change as a canary step, for an
 * operator who does it by hand. Only forms the Pulumi CLI accepts, with the meaning it gives
 * them (`pulumi config set --help`; pulumi/pulumi sdk/go/common/resource/config/map.go,
 * `adjustObjectValue`): with `--path`, "true"/"false" become booleans, integers without a
 * leading zero become numbers and everything else stays a string — so values are printed
 * plain, never JSON-quoted (`'"green"'` would store the quotes), `--type string` keeps a
 * string that looks like a number, and an object or list is set one leaf per command
 * (`--path` takes no JSON). Leaves that disappear (a list that gets shorter) are removed
 * with `pulumi config rm --path`, last index first.
 */
import { parseConfigPath } from "../plan/stackFile";
import type { ConfigEdit } from "./proposals";

type Segment = string | number;

/** A key path in the CLI's syntax: `a.b[0]`, or `a["odd.key"]` where a key is not a plain name. */
export function formatConfigPath(segments: readonly Segment[]): string {
    return segments
        .map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(s) ? `${i === 0 ? "" : "."}${s}` : `[${JSON.stringify(s)}]`))
        .join("");
}

/** Single-quoted for a POSIX shell. */
export function shellQuote(text: string): string {
    return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Whether the CLI (with --path) would read this text as something other than a string. */
function readsAsNonString(text: string): boolean {
    return text === "true" || text === "false" || (/^[+-]?\d+$/.test(text) && !(text.length > 1 && text.startsWith("0")));
}

function leaves(value: unknown, at: Segment[]): [Segment[], string | number | boolean][] {
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return [[at, value]];
    throw new Error(`cannot print a config command for ${formatConfigPath(at)} = ${JSON.stringify(value)}`);
}

/** Paths present in `before` but not in `after` (lists that got shorter, keys that went away), deepest and last first. */
function removed(before: unknown, after: unknown, at: Segment[]): Segment[][] {
    if (Array.isArray(before) && Array.isArray(after)) {
        const gone = before
            .map((_, i) => i)
            .filter((i) => i >= after.length)
            .reverse()
            .map((i) => [...at, i]);
        return [...after.flatMap((v, i) => (i < before.length ? removed(before[i], v, [...at, i]) : [])), ...gone];
    }
    if (before && after && typeof before === "object" && typeof after === "object" && !Array.isArray(before) && !Array.isArray(after)) {
        const a = after as Record<string, unknown>;
        return Object.entries(before).flatMap(([k, v]) => (k in a ? removed(v, a[k], [...at, k]) : [[...at, k]]));
    }
    return [];
}

export interface ConfigCommandContext {
    stack: string;
    /** The value at the edit's path before the edit (for removals). */
    before?: unknown;
    /** Whether the value at a path is a secure value in the stack file (it is set with --secret). */
    isSecret?: (path: string) => boolean;
}

/** The commands, one per line, that apply `edit` to the stack's config by hand. */
export function configCommands(edit: ConfigEdit, ctx: ConfigCommandContext): string[] {
    const base = parseConfigPath(edit.path);
    const lines: string[] = [];
    for (const path of removed(ctx.before, edit.value, base)) {
        lines.push(`pulumi config rm --stack ${shellQuote(ctx.stack)} --path ${shellQuote(formatConfigPath(path))}`);
    }
    for (const [path, value] of leaves(edit.value, base)) {
        const key = formatConfigPath(path);
        const text = String(value);
        const flags = ["--path"];
        if (ctx.isSecret?.(key)) flags.push("--secret");
        if (typeof value === "string" && readsAsNonString(text)) flags.push("--type", "string");
        lines.push(`pulumi config set --stack ${shellQuote(ctx.stack)} ${flags.join(" ")} ${shellQuote(key)} -- ${shellQuote(text)}`);
    }
    return lines;
}
