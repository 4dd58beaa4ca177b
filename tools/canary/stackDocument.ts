/**
 * A stack file edited the way `pulumi config set --path` edits it: one key changes,
 * everything else — comments, ordering, quoting, secure values — stays byte for byte.
 */
import * as fs from "node:fs";
import { Document, Node, isMap, isScalar, isSeq, parseDocument, stringify } from "yaml";
import * as path from "node:path";
import { ConfigError, UsageError } from "../../lib/errors";
import { checkUnchanged, replaceIfUnchanged } from "./atomicWrite";
import { LoadedStackConfig, parseConfigPath, readProjectName, requireStackFile, stackConfigFromText } from "../plan/stackFile";

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
        const doc = parseDocument(text);
        if (doc.errors.length > 0) throw new ConfigError(`${this.fileName} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
        return doc;
    }

    static read(dir: string, stack: string): StackDocument {
        const file = requireStackFile(dir, stack);
        return new StackDocument(readProjectName(dir), stack, fs.readFileSync(file, "utf8"), file);
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

    get(key: string): unknown {
        const v = this.doc.getIn(this.yamlPath(key));
        return isMap(v) || isSeq(v) ? v.toJSON() : v;
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
