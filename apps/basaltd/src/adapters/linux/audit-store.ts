import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** Where audit lines go: the daemon's trail on STATE. */
export interface AuditStore {
  /** Queues one line (with its newline); never blocks and never throws. */
  append(line: string): void;
  /** Every stored line, oldest file first; files last written before `sinceMs` are skipped. */
  lines(sinceMs: number): AsyncIterable<string>;
  /** Writes what is queued and syncs it to disk. */
  close(): Promise<void>;
  readonly stats: { written: number; dropped: number; rotations: number };
}

export interface AuditStoreOptions {
  dir: string;
  maxBytes: number;
  keep: number;
  /** Lines waiting for the disk beyond this are dropped (and the drop recorded). */
  maxQueuedBytes?: number;
  /** How often written lines are synced to disk at the latest. */
  syncIntervalMs?: number;
}

/**
 * The audit trail on disk: `audit.log`, rotated by size to `audit.log.1` … `audit.log.<keep>`.
 * Lines are queued and written by one writer in order; fsync policy: fdatasync at most
 * `syncIntervalMs` (1 s) after a write, on every rotation and at close — so a power cut loses at
 * most about a second of records, and a burst of calls costs one sync, not one per record. Only
 * calls that reached authorization are written here: traffic without a valid client certificate
 * never reaches this file, so it cannot rotate the history out.
 */
export async function openAuditStore(options: AuditStoreOptions): Promise<AuditStore> {
  const path = join(options.dir, "audit.log");
  const maxQueued = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  const syncMs = options.syncIntervalMs ?? 1000;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  let fh: FileHandle = await open(path, "a", 0o600);
  let size = (await fh.stat()).size;
  let queue: string[] = [];
  let queuedBytes = 0;
  let droppedSinceWrite = 0;
  let writing: Promise<void> | undefined;
  let syncTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const stats = { written: 0, dropped: 0, rotations: 0 };

  const rotate = async () => {
    await fh.datasync();
    await fh.close();
    await rm(`${path}.${options.keep}`, { force: true });
    for (let i = options.keep - 1; i >= 1; i--) {
      await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => undefined);
    }
    await rename(path, `${path}.1`);
    fh = await open(path, "a", 0o600);
    size = 0;
    stats.rotations++;
  };

  const scheduleSync = () => {
    if (syncTimer || closed) return;
    syncTimer = setTimeout(() => {
      syncTimer = undefined;
      void fh.datasync().catch(() => undefined);
    }, syncMs);
    syncTimer.unref();
  };

  const drain = async () => {
    while (queue.length > 0) {
      if (droppedSinceWrite > 0) {
        queue.unshift(
          `${JSON.stringify({ time: new Date().toISOString(), rpc: "basaltd/audit", result: "internal", reason: `${droppedSinceWrite} audit records dropped: the disk did not keep up`, subject: "", serial: "", role: "", target: "", address: "", durationMs: 0 })}\n`,
        );
        droppedSinceWrite = 0;
      }
      const batch = queue;
      queue = [];
      queuedBytes = 0;
      let text = batch.join("");
      // Never split a batch across the size limit by more than one batch: rotate first.
      if (size > 0 && size + Buffer.byteLength(text) > options.maxBytes) await rotate();
      try {
        const { bytesWritten } = await fh.write(text);
        size += bytesWritten;
        stats.written += batch.length;
        text = "";
      } catch {
        stats.dropped += batch.length;
        droppedSinceWrite += batch.length;
      }
      scheduleSync();
    }
  };

  const kick = () => {
    writing ??= drain().finally(() => {
      writing = undefined;
      if (queue.length > 0) kick();
    });
  };

  return {
    stats,
    append(line) {
      if (closed) return;
      const bytes = Buffer.byteLength(line);
      if (queuedBytes + bytes > maxQueued) {
        stats.dropped++;
        droppedSinceWrite++;
        return;
      }
      queue.push(line);
      queuedBytes += bytes;
      kick();
    },
    async *lines(sinceMs) {
      // Loaded when the audit log is read, not at every boot.
      const { createInterface } = await import("node:readline");
      const files = [];
      for (let i = options.keep; i >= 1; i--) files.push(`${path}.${i}`);
      files.push(path);
      for (const file of files) {
        const info = await stat(file).catch(() => undefined);
        if (!info || (sinceMs > 0 && info.mtimeMs < sinceMs)) continue;
        const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
        try {
          for await (const line of rl) yield line;
        } finally {
          rl.close();
        }
      }
    },
    async close() {
      while (writing) await writing;
      closed = true;
      if (syncTimer) clearTimeout(syncTimer);
      await fh.datasync().catch(() => undefined);
      await fh.close().catch(() => undefined);
    },
  };
}
