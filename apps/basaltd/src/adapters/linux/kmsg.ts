import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Reads /dev/kmsg without blocking libuv's thread pool: the device is opened non-blocking and,
 * when following, polled. Each read returns exactly one record.
 */
export async function* readKmsg(follow: boolean, signal: AbortSignal): AsyncGenerator<string> {
  const handle = await open("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(16 * 1024);
  try {
    while (!signal.aborted) {
      try {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead > 0) yield buffer.toString("utf8", 0, bytesRead);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // EPIPE: the ring buffer overwrote records we had not read yet; carry on from the next.
        if (code === "EPIPE") continue;
        if (code !== "EAGAIN") throw err;
        if (!follow) return;
        await sleep(250, undefined, { signal }).catch(() => undefined);
      }
    }
  } finally {
    await handle.close();
  }
}
