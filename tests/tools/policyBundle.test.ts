import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { bundlePolicyPack } from "../../tools/policyBundle";
import { policies } from "../../policy/policies";
import { tempDir } from "../helpers";

describe("policy pack bundle for pulumi policy publish", () => {
    it("is self-contained: shared lib code inlined, only the SDKs left as dependencies", () => {
        const out = tempDir("policy-bundle");
        bundlePolicyPack(out);
        const code = fs.readFileSync(path.join(out, "index.js"), "utf8");
        assert.doesNotMatch(code, /require\("\.\.?\//, "a relative import escaped the bundle");
        const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith("node:"));
        assert.deepEqual([...new Set(required)].sort(), ["@pulumi/policy"]);
        for (const p of policies) assert.ok(code.includes(`"${p.name}"`), p.name);
        assert.ok(code.includes("16384"), "the Fargate table (lib/fargate.ts) is inlined");
        const pkg = JSON.parse(fs.readFileSync(path.join(out, "package.json"), "utf8"));
        assert.equal(pkg.main, "index.js");
        assert.deepEqual(Object.keys(pkg.dependencies).sort(), ["@pulumi/policy", "@pulumi/pulumi"]);
        assert.match(fs.readFileSync(path.join(out, "PulumiPolicy.yaml"), "utf8"), /runtime: nodejs/);
    });
});
