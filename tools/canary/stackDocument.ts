/**
 * A stack file edited the way `pulumi config set --path` edits it: one key changes,
 * everything else — comments, ordering, quoting, secure values — stays byte for byte.
 */
import * as fs from "node:fs";
import { Document, isMap, isSeq, parseDocument } from "yaml";
import { LoadedStackConfig, UsageError, parseConfigPath, readProjectName, stackConfigFromText, stackFilePath } from "../plan/stackFile";

/** Long plain scalars (ARNs, secure values) must never be folded onto a second line. */
const STRINGIFY = { lineWidth: 0 } as const;

export class StackDocument {
    private readonly doc: Document;

    constructor(
        public readonly project: string,
        public readonly stack: string,
        private readonly original: string,
        public readonly file?: string,
    ) {
        this.doc = parseDocument(original);
        if (this.doc.errors.length > 0) throw new UsageError(`${file ?? "stack file"}: ${this.doc.errors[0].message}`);
    }

    static read(dir: string, stack: string): StackDocument {
        const file = stackFilePath(dir, stack);
        if (!fs.existsSync(file)) throw new UsageError(`no stack file ${file}`);
        return new StackDocument(readProjectName(dir), stack, fs.readFileSync(file, "utf8"), file);
    }

    /** YAML path of a project key path such as "canary.routes[0].weight". */
    private yamlPath(key: string): (string | number)[] {
        const [head, ...rest] = parseConfigPath(key);
        return ["config", `${this.project}:${head}`, ...rest];
    }

    get(key: string): unknown {
        const v = this.doc.getIn(this.yamlPath(key));
        return isMap(v) || isSeq(v) ? v.toJSON() : v;
    }

    /** Set a value at a path, creating maps and lists on the way, as `pulumi config set --path` does. */
    set(key: string, value: unknown): void {
        const path = this.yamlPath(key);
        // Create missing parents with the right collection type (a numeric segment means a list).
        for (let i = 2; i < path.length; i++) {
            const parent = path.slice(0, i);
            if (!this.doc.hasIn(parent)) {
                this.doc.setIn(parent, this.doc.createNode(typeof path[i] === "number" ? [] : {}));
            }
        }
        this.doc.setIn(path, value);
    }

    toString(): string {
        return this.doc.toString(STRINGIFY);
    }

    changed(): boolean {
        return this.toString() !== this.original;
    }

    loaded(): LoadedStackConfig {
        return stackConfigFromText(this.toString(), this.project, this.stack);
    }

    write(): void {
        if (!this.file) throw new Error("this stack document has no file");
        fs.writeFileSync(this.file, this.toString());
    }
}
