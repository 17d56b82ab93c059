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

export interface Host {
  readText(path: string): Promise<string>;
  /** The file's bytes in chunks, failing once more than `maxBytes` were read. */
  readChunks(path: string, maxBytes: number): AsyncIterable<Buffer>;
  realpath(path: string): Promise<string>;
  listDir(path: string): Promise<DirEntry[]>;
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
