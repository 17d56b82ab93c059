import type { AuditRecord } from "./audit-record.ts";

/** What `basaltctl audit` asks for. */
export interface AuditQuery {
  /** Only records at or after this time (ms since epoch); 0 for all. */
  sinceMs: number;
  role: string;
  refused: boolean;
}

/** Whether one record matches the query. */
export function matches(record: AuditRecord, q: AuditQuery): boolean {
  if (q.sinceMs > 0 && Date.parse(record.time) < q.sinceMs) return false;
  if (q.role && record.role !== q.role) return false;
  if (q.refused && record.result === "ok") return false;
  return true;
}

/** Parses one stored line; undefined for a torn or foreign line (a crash mid-write). */
export function parseRecord(line: string): AuditRecord | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const r = JSON.parse(line) as AuditRecord;
    return typeof r.rpc === "string" && typeof r.time === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}
