import { z } from "zod";

/** An OpenAPI v3 schema as a CRD holds it. */
export type OpenApiSchema = { [key: string]: unknown };

const maxSafe = Number.MAX_SAFE_INTEGER;

/**
 * Rewrites JSON Schema (draft 2020-12, as zod emits it) into a CRD's structural OpenAPI v3 schema:
 * no `$schema`, no `propertyNames` or `additionalProperties: false` (the apiserver prunes unknown
 * fields itself), no safe-integer bounds zod adds to every integer, no pattern next to a format,
 * and the branches of an
 * int-or-string or preserve-unknown-fields union dropped (a structural schema cannot type them; the
 * union's `x-kubernetes-validations` CEL rules, given in zod `meta`, check them instead).
 */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (typeof node !== "object" || node === null) return node;
  const src = node as OpenApiSchema;
  const out: OpenApiSchema = {};
  const opaque =
    src["x-kubernetes-int-or-string"] === true || src["x-kubernetes-preserve-unknown-fields"] === true;
  for (const [key, value] of Object.entries(src)) {
    if (key === "$schema" || key === "propertyNames") continue;
    if (key === "additionalProperties" && value === false) continue;
    if ((key === "maximum" && value === maxSafe) || (key === "minimum" && value === -maxSafe)) continue;
    if (opaque && (key === "anyOf" || key === "oneOf")) continue;
    // A format (date-time) says it: zod's long equivalent regex would only be noise in the CRD.
    if (key === "pattern" && typeof src.format === "string") continue;
    // x-kubernetes-* values are data (CEL rules, list keys), not schemas: copy them as they are.
    out[key] = key.startsWith("x-kubernetes-") ? value : structural(value);
  }
  return out;
}

/** The CRD schema of a zod schema (its input side: what a user may write). */
export function openApiSchemaOf(schema: z.ZodType): OpenApiSchema {
  return structural(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" })) as OpenApiSchema;
}
