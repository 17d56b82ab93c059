import type { z } from "zod";
import { BasaltError } from "../errors.ts";

/** Turns schema issues into one line per problem, each led by its path: `network.hostname: expected string`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".");
    return `${path}: ${issue.message.replace(/^Invalid input: /, "")}`;
  });
}

/** Validates `value` against `schema`, throwing an invalid_argument BasaltError listing every problem. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues);
  throw new BasaltError("invalid_argument", `invalid ${what}:\n  ${lines.join("\n  ")}`, {
    hint: `fix the fields listed above in the ${what}`,
  });
}
