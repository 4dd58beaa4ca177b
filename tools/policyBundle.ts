/**
 * npm run policy:bundle [-- --out <dir>]
 *
 * `pulumi policy publish` uploads only the policy pack's own directory, but the pack
 * shares its AWS facts with the program (lib/contract.ts, lib/fargate.ts). This bundles
 * the pack with esbuild into one self-contained directory (default policy/dist) that can
 * be published as it is:  cd policy/dist && npm install && pulumi policy publish <org>
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { buildSync } from "esbuild";

const ROOT = path.resolve(__dirname, "..");
const PACK = path.join(ROOT, "policy");

export function bundlePolicyPack(outDir: string): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
    fs.mkdirSync(outDir, { recursive: true });
    buildSync({
        entryPoints: [path.join(PACK, "index.ts")],
        outfile: path.join(outDir, "index.js"),
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        // The SDKs stay npm dependencies: the policy server and the CLI talk through them.
        external: Object.keys(pkg.dependencies ?? {}),
        logLevel: "silent",
    });
    fs.copyFileSync(path.join(PACK, "PulumiPolicy.yaml"), path.join(outDir, "PulumiPolicy.yaml"));
    const published = {
        name: pkg.name,
        version: pkg.version,
        description: pkg.description,
        main: "index.js",
        dependencies: pkg.dependencies,
    };
    fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify(published, null, 2)}\n`);
    return ["index.js", "PulumiPolicy.yaml", "package.json"].map((f) => path.join(outDir, f));
}

if (require.main === module) {
    const { values } = parseArgs({ options: { out: { type: "string", default: path.join(PACK, "dist") } } });
    const files = bundlePolicyPack(path.resolve(values.out!));
    process.stdout.write(
        `${files.join("\n")}\nnext: cd ${path.relative(process.cwd(), path.dirname(files[0]))} && npm install && pulumi policy publish <org>\n`,
    );
}
