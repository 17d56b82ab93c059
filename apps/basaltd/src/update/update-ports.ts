import type { Slot } from "./boot-entries.ts";

/** The EFI/Linux directory of the ESP, where systemd-boot finds the UKIs. */
export interface Esp {
  list(): Promise<string[]>;
  /** The first `bytes` of a file: enough for a UKI's headers and command line. */
  readHead(file: string, bytes: number): Promise<Uint8Array>;
  remove(file: string): Promise<void>;
  /** Writes the whole file and fsyncs it. */
  write(file: string, data: Uint8Array): Promise<void>;
  /** Renames atomically and fsyncs the directory. */
  rename(from: string, to: string): Promise<void>;
}

/** The two root partitions. */
export interface SlotDevices {
  /**
   * Streams `source` onto the slot from byte 0, fsyncs, and returns the SHA-256 of the bytes written.
   * `onProgress` gets the running byte count.
   */
  write(slot: Slot, source: AsyncIterable<Uint8Array>, onProgress: (bytes: number) => void): Promise<string>;
  capacity(slot: Slot): Promise<number>;
}

export interface UpgradeProgress {
  phase: string;
  /** 0–100 for the phase, when it can be known. */
  percent: number;
  message: string;
}
