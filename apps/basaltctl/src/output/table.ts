import type { Row } from "../cli/command.ts";

/** Aligns rows into columns under upper-case headers; column order is the first row's key order. */
export function renderTable(rows: Row[]): string {
  if (rows.length === 0) return "";
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return `${[line(columns), ...cells.map(line)].join("\n")}\n`;
}
