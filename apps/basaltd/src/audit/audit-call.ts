import { createContextKey } from "@connectrpc/connect";
import type { AuditRecord } from "./audit-record.ts";

/**
 * The audit record of one call while it runs: the gate creates it before the request body is
 * read and writes it exactly once when the call ends (ok, refused, failed or cancelled).
 */
export interface AuditCall {
  record: AuditRecord;
  started: number;
  done: boolean;
  /**
   * Set by a handler that refuses the call but tells the caller something more generic (a denied
   * path answered like a missing one): the record keeps the truth.
   */
  refusal?: { result: string; reason: string };
  /** Runs once when the call ends: releases what the call held (limits). */
  release: (() => void)[];
}

export const auditCallKey = createContextKey<AuditCall | undefined>(undefined, {
  description: "audit record of the running call",
});
