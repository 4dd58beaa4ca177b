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
            "@typescript-eslint/no-explicit-any": "warn",
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
