import * as path from "node:path";

/** The project's root: Pulumi.yaml, the stack files, index.ts, policy/ (the tools' default `dir`). */
export const PROJECT_DIR = path.resolve(__dirname, "..");
