import { BasaltError } from "@basalt/machinery";
import jsonPatch from "fast-json-patch";
import { parse as parseYaml } from "yaml";

/**
 * Patches applied to a machine config document (plain JSON), before validation. Pure.
 * RFC 6902 (JSON Patch) goes through fast-json-patch: its validator reports which operation is wrong
 * and it refuses prototype paths. RFC 7396 (merge patch) is the RFC's own ten-line algorithm, written
 * here rather than taken from a package: the maintained ones wrap the same recursion.
 */

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Keys a patch may never create: they would reach Object.prototype through a later merge. */
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** RFC 7396: objects merge key by key, `null` removes a key, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (forbiddenKeys.has(key))
      throw new BasaltError("invalid_argument", `merge patch: the key "${key}" is not allowed`);
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Parses a merge patch given as JSON or YAML; it must be an object. */
export function parseMergePatch(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BasaltError(
      "invalid_argument",
      `merge patch is not valid JSON or YAML: ${(err as Error).message}`,
    );
  }
  if (!isObject(doc))
    throw new BasaltError(
      "invalid_argument",
      'a merge patch must be an object, e.g. {"node":{"labels":{"zone":"b"}}}',
      {
        hint: "for a list of operations use a JSON Patch (--json-patch)",
      },
    );
  return doc;
}

/** Most operations one JSON Patch may carry. */
export const maxPatchOperations = 1000;

/**
 * RFC 6902: applies `text` (a JSON or YAML array of operations) to a copy of `doc`. A bad operation
 * or a failed `test` is an invalid_argument naming the operation by index; `doc` is never changed.
 */
export function applyJsonPatch(doc: unknown, text: string): unknown {
  let ops: unknown;
  try {
    ops = parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `JSON Patch is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(ops))
    throw new BasaltError("invalid_argument", "a JSON Patch must be an array of operations", {
      hint: 'e.g. [{"op":"replace","path":"/node/labels/zone","value":"b"}]',
    });
  if (ops.length > maxPatchOperations)
    throw new BasaltError(
      "invalid_argument",
      `a JSON Patch may hold at most ${maxPatchOperations} operations`,
    );
  const copy = structuredClone(doc);
  const operations = ops as Parameters<typeof jsonPatch.applyPatch>[1];
  try {
    // validate() checks every operation first (on its own clone), so nothing is half-applied.
    const problem = jsonPatch.validate(operations, copy);
    if (problem) throw problem;
    return jsonPatch.applyPatch(copy, operations, true, true, true).newDocument;
  } catch (err) {
    throw patchError(err as Error);
  }
}

function patchError(err: Error & { index?: number; name?: string; operation?: unknown }): BasaltError {
  const which = err.index === undefined ? "" : ` (operation ${err.index}: ${JSON.stringify(err.operation)})`;
  const message = err.message.split("\n")[0] ?? err.message;
  return new BasaltError("invalid_argument", `JSON Patch refused${which}: ${message}`, {
    hint: "paths are JSON Pointers into the config, e.g. /node/labels/zone; see basaltctl config get -o json",
  });
}
