import type { ChildProcess } from "node:child_process";

/** A spawned service process, as the supervisor needs to see it. */
export interface SpawnedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
}

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
}

/**
 * Everything basaltd asks of the operating system, behind one interface so that handlers and the
 * supervisor are tested without root. Only `adapters/linux` implements it for real.
 */
export interface DirEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  mode: number;
  modified: Date;
  linkTarget: string;
}

/**
 * A file or directory opened for the file API (non-blocking, last component not followed), to be
 * judged by what was opened rather than by the path asked for. `close` must always be called.
 */
export interface OpenedPath {
  /** The path the kernel reports for the open descriptor. */
  readonly actualPath: string;
  readonly type: "file" | "dir" | "other";
  readonly size: number;
  /** The file's bytes in chunks; fails once more than `maxBytes` were read or a read would block. */
  chunks(maxBytes: number): AsyncIterable<Buffer>;
  /** The directory's entries, sorted by name; fails past `maxEntries`. */
  entries(maxEntries: number): Promise<DirEntry[]>;
  close(): Promise<void>;
}

export interface Host {
  /** A file's text; with `maxBytes`, only its first `maxBytes` bytes (for files of unbounded size). */
  readText(path: string, maxBytes?: number): Promise<string>;
  realpath(path: string): Promise<string>;
  /** Opens `path` with O_NONBLOCK | O_NOFOLLOW (O_DIRECTORY for "dir") and fstats the descriptor. */
  openPath(path: string, want: "file" | "dir"): Promise<OpenedPath>;
  /** Raw /dev/kmsg records; with `follow`, waits for new ones until `signal` aborts. */
  kmsg(follow: boolean, signal: AbortSignal): AsyncIterable<string>;
  readDir(path: string): Promise<string[]>;
  readLink(path: string): Promise<string>;
  statfs(path: string): Promise<{ sizeBytes: number; availableBytes: number }>;
  hostname(): string;
  networkInterfaces(): Record<string, { address: string; family: string; cidr: string | null }[]>;
  pageSize: number;
  clockTicks: number;
  spawn(command: readonly string[], options: SpawnOptions): SpawnedProcess;
  /** Power actions; the lifecycle service decides whether they are allowed. */
  reboot(): Promise<void>;
  powerOff(): Promise<void>;
}
