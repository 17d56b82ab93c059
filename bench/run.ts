/** Runs every benchmark in bench/ (or those named as arguments) one after another. */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const wanted = process.argv.slice(2);
const files = readdirSync(import.meta.dirname).filter(
  (f) => f.endsWith(".bench.ts") && (wanted.length === 0 || wanted.some((w) => f.includes(w))),
);
for (const f of files) {
  console.log(`\n=== ${f}`);
  await import(join(import.meta.dirname, f));
}
