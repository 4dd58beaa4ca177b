/**
 * A stack file edited the way `pulumi config set --path` edits it: one key changes,
 * everything else — comments, ordering, quoting, secure values — stays byte for byte.
 */
import { Alias, Document, Node, YAMLMap, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, stringify, visit } from "yaml";
import * as path from "node:path";
import { ConfigError, UsageError } from "../../lib/errors";
import { checkUnchanged, replaceIfUnchanged } from "./atomicWrite";
import {
    LoadedStackConfig,
    YAML_AS_PULUMI_READS,
    isMergeKeyNode,
    parseConfigPath,
    readProjectName,
    readTextFile,
    requireStackFile,
    stackConfigFromText,
} from "../plan/stackFile";

/** Long plain scalars (ARNs, secure values) must never be folded onto a second line. */
const STRINGIFY = { lineWidth: 0 } as const;

type Path = (string | number)[];

function nested(path: Path, value: unknown): unknown {
    return path.reduceRight<unknown>((inner, key) => {
        if (typeof key === "number") {
            const list: unknown[] = [];
            list[key] = inner;
            return list;
        }
        return { [key]: inner };
    }, value);
}

/** `value` rendered as YAML block lines under `key`, each line prefixed with `indent`, joined by the file's line ending. */
function block(key: string | number, value: unknown, indent: string, eol: string): string {
    const text = stringify(typeof key === "number" ? [value] : { [key]: value }, STRINGIFY);
    return text
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => indent + line)
        .join(eol);
}

/** The map an alias is merged into (`<<: *a`, or `<<: [*a, *b]`), from the alias's ancestors; undefined when it is a plain alias. */
function mergedInto(ancestors: readonly unknown[]): YAMLMap | undefined {
    const [parent, grandparent, great] = [...ancestors].reverse();
    if (isPair(parent) && isMergeKeyNode(parent.key)) return isMap(grandparent) ? grandparent : undefined;
    if (isSeq(parent) && isPair(grandparent) && isMergeKeyNode(grandparent.key)) return isMap(great) ? great : undefined;
    return undefined;
}

/** A merge pair as written: `<<: *a`, `<<: [*a, *b]`. */
function describeMerge(pair: { value: unknown }): string {
    const alias = (v: unknown) => (isAlias(v) ? `*${v.source}` : "…");
    return `<<: ${isSeq(pair.value) ? `[${pair.value.items.map(alias).join(", ")}]` : alias(pair.value)}`;
}

function hasExplicitKey(map: YAMLMap, key: string | number): boolean {
    return map.items.some((p) => isScalar(p.key) && p.key.value === key);
}

function columnOf(text: string, offset: number): number {
    return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

export class StackDocument {
    private doc: Document;
    private text: string;
    /** The text as read (or last written): a write replaces the file only if it still holds this. */
    private base: string;
    /** The file's line ending: a CRLF file keeps CRLF in every line the tool writes. */
    private readonly eol: string;

    constructor(
        public readonly project: string,
        public readonly stack: string,
        original: string,
        public readonly file?: string,
    ) {
        this.text = original;
        this.base = original;
        this.eol = original.includes("\r\n") ? "\r\n" : "\n";
        this.doc = this.parse(original);
    }

    /** The file's name (not its path), for messages. */
    get fileName(): string {
        return this.file ? path.basename(this.file) : "stack file";
    }

    private parse(text: string): Document {
        const doc = parseDocument(text, YAML_AS_PULUMI_READS);
        if (doc.errors.length > 0) throw new ConfigError(`${this.fileName} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
        return doc;
    }

    static read(dir: string, stack: string): StackDocument {
        const file = requireStackFile(dir, stack);
        return new StackDocument(readProjectName(dir), stack, readTextFile(file), file);
    }

    /** YAML path of a project key path such as "canary.routes[0].weight". */
    private yamlPath(key: string): Path {
        const [head, ...rest] = parseConfigPath(key);
        return ["config", `${this.project}:${head}`, ...rest];
    }

    /** Whether the value at `key` (or the map or list holding it) is a secure value in the file. */
    isSecure(key: string): boolean {
        const path = this.yamlPath(key);
        for (let i = path.length; i >= 2; i--) {
            const v = this.doc.getIn(path.slice(0, i), true);
            if (isMap(v) && v.items.length === 1 && isScalar(v.items[0].key) && v.items[0].key.value === "secure") return true;
        }
        return false;
    }

    /** The value at a YAML path as Pulumi reads it (aliases and merge keys resolved), and whether there is one. */
    private resolved(path: Path): { has: boolean; value: unknown } {
        let v: unknown = this.doc.toJS();
        for (const segment of path) {
            if (typeof v !== "object" || v === null || !Object.hasOwn(v, segment)) return { has: false, value: undefined };
            v = (v as Record<string | number, unknown>)[segment];
        }
        return { has: true, value: v };
    }

    private resolvedHas(path: Path): boolean {
        return this.resolved(path).has;
    }

    /** The value at `key` as Pulumi reads it: aliases and merge keys resolved. */
    get(key: string): unknown {
        return this.resolved(this.yamlPath(key)).value;
    }

    /**
     * A ConfigError when editing `key` in the text would change another key too, or cannot be
     * done on the text at all: the path goes through an alias (`*a`), the value comes from a
     * merge key (`<<: *a`), or the value or a map holding it is anchored (`&a`) and an alias
     * elsewhere repeats it. Pulumi's config is the resolved map: `pulumi config set --path`
     * changes one key, so the tool never edits a shared node, which would move several rules
     * while the step says one.
     */
    private refuseShared(key: string, path: Path): void {
        const writeOut =
            "the tool edits only values written out in place; write the value out there (no anchor, alias or merge key) and run this again. Nothing was written.";
        let node: unknown = this.doc.contents;
        for (let i = 0; i <= path.length; i++) {
            if (isAlias(node)) {
                throw new ConfigError(`${key} in ${this.fileName} goes through the alias *${node.source}, a value anchored elsewhere: ${writeOut}`);
            }
            if (isNode(node) && node.anchor) {
                const sharer = this.aliasSharing(node, path.slice(i));
                if (sharer)
                    throw new ConfigError(
                        `${key} in ${this.fileName} is anchored (&${node.anchor}) and ${sharer} repeats it: editing it would change both; ${writeOut}`,
                    );
            }
            if (i === path.length) return;
            const segment = path[i];
            if (isMap(node)) {
                const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
                const merges = node.items.filter((p) => isMergeKeyNode(p.key));
                if (!pair && merges.length > 0 && this.resolvedHas(path.slice(0, i + 1))) {
                    throw new ConfigError(`${key} in ${this.fileName} comes from a merge key (${merges.map(describeMerge).join(", ")}): ${writeOut}`);
                }
                node = pair?.value;
            } else if (isSeq(node) && typeof segment === "number") {
                node = node.items[segment];
            } else {
                return;
            }
        }
    }

    /**
     * An alias of `anchored` whose value an edit at `rest` (below it) changes, described for a
     * message; undefined when there is none. An alias merged into a map that sets the edited key
     * itself is not changed by the edit (an explicit key wins over a merged one).
     */
    private aliasSharing(anchored: Node, rest: Path): string | undefined {
        let found: string | undefined;
        visit(this.doc, {
            Alias: (_key, alias: Alias, ancestors) => {
                if (alias.resolve(this.doc) !== anchored) return undefined;
                const into = mergedInto(ancestors);
                if (into && rest.length > 0 && hasExplicitKey(into, rest[0])) return undefined;
                found = into ? `a merge key (<<: *${alias.source})` : `an alias (*${alias.source})`;
                return visit.BREAK;
            },
        });
        return found;
    }

    /**
     * Set a value at a path, creating maps and lists on the way, as `pulumi config set --path`
     * does. The text is edited in place — only the changed value, or the inserted key, is
     * written — so every other byte of the file (comments, spacing, quoting, secure values)
     * stays as it was.
     */
    set(key: string, value: unknown): void {
        if (this.isSecure(key)) {
            throw new UsageError(
                `${key} is a secure value in ${this.fileName}: the tool never writes secrets; set it with pulumi config set --secret --path ${key}`,
            );
        }
        const path = this.yamlPath(key);
        this.refuseShared(key, path);
        const edited = this.surgical(path, value);
        this.text = edited ?? this.reserialized(path, value);
        this.doc = this.parse(this.text);
    }

    private splice(start: number, end: number, replacement: string): string {
        return this.text.slice(0, start) + replacement + this.text.slice(end);
    }

    /** The in-place edit, or undefined where the file's shape needs a full re-serialization (flow style). */
    private surgical(path: Path, value: unknown): string | undefined {
        let existing = path.length;
        while (existing > 0 && !this.doc.hasIn(path.slice(0, existing))) existing--;
        const valueIsCollection = typeof value === "object" && value !== null;

        if (existing === path.length) {
            const node = this.doc.getIn(path, true) as Node | undefined;
            if (isScalar(node) && !valueIsCollection && node.range) {
                return this.splice(node.range[0], node.range[1], stringify(value, STRINGIFY).trimEnd().replace(/\n/g, this.eol));
            }
            const parent = this.doc.getIn(path.slice(0, -1), true);
            const last = path[path.length - 1];
            if (!isMap(parent) || parent.flow || typeof last !== "string") return undefined;
            const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
            const keyNode = pair?.key as Node | undefined;
            const valueNode = pair?.value as Node | undefined;
            if (!keyNode?.range || !valueNode?.range) return undefined;
            const indent = " ".repeat(columnOf(this.text, keyNode.range[0]));
            const end = valueNode.range[1];
            const rendered = block(last, value, indent, this.eol).slice(indent.length);
            return this.splice(keyNode.range[0], end, this.text[end - 1] === "\n" ? `${rendered}${this.eol}` : rendered);
        }

        const ancestor = existing === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, existing), true);
        const next = path[existing];
        if (!isMap(ancestor) || ancestor.flow || typeof next !== "string" || !ancestor.range) return undefined;
        const first = ancestor.items[0]?.key as Node | undefined;
        if (!first?.range) return undefined;
        const indent = " ".repeat(columnOf(this.text, first.range[0]));
        const at = ancestor.range[1];
        const prefix = this.text[at - 1] === "\n" ? "" : this.eol;
        return this.splice(at, at, `${prefix}${block(next, nested(path.slice(existing + 1), value), indent, this.eol)}${this.eol}`);
    }

    private reserialized(path: Path, value: unknown): string {
        for (let i = 2; i < path.length; i++) {
            const parent = path.slice(0, i);
            if (!this.doc.hasIn(parent)) this.doc.setIn(parent, this.doc.createNode(typeof path[i] === "number" ? [] : {}));
        }
        this.doc.setIn(path, value);
        const text = this.doc.toString(STRINGIFY);
        return this.eol === "\n" ? text : text.replace(/\r?\n/g, this.eol);
    }

    toString(): string {
        return this.text;
    }

    changed(): boolean {
        return this.text !== this.base;
    }

    /** A document of the same file holding this one's text, edited independently. */
    copy(): StackDocument {
        return new StackDocument(this.project, this.stack, this.text, this.file);
    }

    loaded(): LoadedStackConfig {
        return stackConfigFromText(this.text, this.project, this.stack, [], this.fileName);
    }

    /**
     * Replace the file with this text, atomically, if it still holds the text this document
     * was read with; otherwise StackFileChanged (exit 2), naming `rerun`, and nothing is written.
     */
    /** StackFileChanged (exit 2) unless the file still holds the text this document was read with. */
    checkUnchanged(rerun = "the same command"): void {
        if (!this.file) throw new Error("this stack document has no file");
        checkUnchanged(this.file, this.base, rerun);
    }

    write(rerun = "the same command"): void {
        if (!this.file) throw new Error("this stack document has no file");
        replaceIfUnchanged(this.file, this.base, this.text, rerun);
        this.base = this.text;
    }
}
