import js from "@eslint/js";
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "generated-dags/", "schema/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { regexp },
    rules: {
      // A regex whose quantifiers can match the same text in more than one way backtracks
      // exponentially (or quadratically) on input that almost matches: a spec with a long
      // comment header once hung the compiler that way. These rules prove every literal
      // regex free of that shape.
      "regexp/no-super-linear-backtracking": "error",
      "regexp/no-super-linear-move": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // `!` marks lookups whose presence an earlier stage guarantees (validated specs).
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // Super-linear *moves* (a regex retried at every start position, quadratic at worst) are
    // ruled out where spec text of any length is matched. Elsewhere regexes see names the
    // compiler has already bounded (at most a few hundred characters) or the project's own
    // files, so quadratic is harmless there; exponential backtracking stays an error.
    files: ["infra/**/*.ts", "runner/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: { "regexp/no-super-linear-move": "off" },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // chai assertions such as `expect(x).to.be.empty` are property reads.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
