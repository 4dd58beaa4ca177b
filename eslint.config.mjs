// Lint: typescript-eslint with type information, for what mocks hide. An unawaited Pulumi
// output or promise (no-floating-promises, no-misused-promises) passes under mocks and fails
// under the engine; `any` (no-explicit-any) turns off the type-check where it matters most.
// Formatting is Prettier's (.prettierrc.json), not lint rules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "policy/node_modules/", "bin/", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            // No `any` anywhere: the policy pack reads resources through typed views (lib/resources.ts),
            // the tests read plan inputs typed by the provider's arguments (tests/planCache.ts), the
            // engine stand-in speaks the generated protobuf classes (tools/engine).
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/no-require-imports": "off",
        },
    },
    {
        // Small named steps (issue 18): no function in the tools over 60 lines.
        files: ["tools/**/*.ts"],
        rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }] },
    },
);
