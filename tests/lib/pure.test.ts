/**
 * The offline plan keeps lib/ loaded across plans (tools/plan/run.ts LIB_DIR): that is sound
 * only while lib/ holds no module state and reads no config at load. This fails when a lib
 * module gains a top-level `let`/`var`, a top-level mutable collection, or a top-level call
 * into the Pulumi runtime.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { ROOT } from "../helpers";

const LIB = path.join(ROOT, "lib");

/** Why a top-level statement of a lib module is state or a load-time read, if it is. */
function impurity(statement: ts.Statement, source: ts.SourceFile): string | undefined {
    const text = statement.getText(source).split("\n")[0];
    if (ts.isVariableStatement(statement)) {
        if (!(statement.declarationList.flags & ts.NodeFlags.Const)) return `a top-level let/var: ${text}`;
        for (const d of statement.declarationList.declarations) {
            const init = d.initializer?.getText(source) ?? "";
            // A collection typed read-only (ReadonlyMap, ReadonlySet) is a constant table.
            const readonly = /^Readonly/.test(d.type?.getText(source) ?? "");
            if (!readonly && (/^new (Map|Set|WeakMap|Array)\b/.test(init) || /^\[\s*\]$/.test(init))) return `a top-level mutable collection: ${text}`;
            if (/\bpulumi\.(runtime|getStack|getProject|Config)\b|new pulumi\.Config/.test(init)) return `a load-time Pulumi read: ${text}`;
        }
    }
    if (ts.isExpressionStatement(statement)) return `a top-level statement that runs at load: ${text}`;
    return undefined;
}

describe("lib/ is pure (kept loaded across offline plans)", () => {
    it("no lib module has module state or reads Pulumi config at load", () => {
        const problems = fs
            .readdirSync(LIB)
            .filter((f) => f.endsWith(".ts"))
            .flatMap((f) => {
                const source = ts.createSourceFile(f, fs.readFileSync(path.join(LIB, f), "utf8"), ts.ScriptTarget.ES2022, true);
                return source.statements
                    .map((s) => impurity(s, source))
                    .filter(Boolean)
                    .map((why) => `${f}: ${why}`);
            });
        assert.deepEqual(problems, []);
    });

    it("the check sees state when there is some", () => {
        const source = ts.createSourceFile(
            "x.ts",
            "let n = 0;\nconst cache = new Map();\nconst c = new pulumi.Config();\nregister();\nconst ok = 1;\n",
            ts.ScriptTarget.ES2022,
            true,
        );
        assert.equal(source.statements.map((s) => impurity(s, source)).filter(Boolean).length, 4);
    });
});
