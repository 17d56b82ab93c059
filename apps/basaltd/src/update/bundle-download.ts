import { BasaltError } from "@basalt/machinery";
import { redactUrl } from "../redact.ts";

export interface DownloadOptions {
  /** Aborts the download (the client went away, or the install failed). */
  signal: AbortSignal;
  /** The most bytes the download may bring; asked again for every chunk, since it shrinks once the signed manifest is known. */
  maxBytes(): number;
  /** How long the server may take to answer with headers. */
  headersTimeoutMs?: number;
  /** How long the body may stall between two chunks. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

function checkScheme(url: URL): void {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new BasaltError("invalid_argument", `bundles come only over http(s), not ${url.protocol}`, {
      hint: "or stream a local file with basaltctl upgrade --image FILE",
    });
}

/**
 * A bundle's bytes from an http(s) URL, bounded every way a server could abuse: headers within a
 * timeout, a body that never stalls longer than the idle timeout, at most `maxBytes()` bytes, a few
 * redirects (each to http(s) only), and the whole thing stopped by `signal`. Errors name the URL
 * without its query string or credentials.
 */
export async function* downloadBundle(url: string, options: DownloadOptions): AsyncGenerator<Uint8Array> {
  const shown = redactUrl(url);
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener("abort", stop, { once: true });
  let timedOut = "";
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = what;
      controller.abort();
    }, ms);
  };
  const fail = (err: unknown): never => {
    if (err instanceof BasaltError) throw err;
    if (options.signal.aborted) throw new BasaltError("canceled", `download of ${shown} aborted`);
    if (timedOut) throw new BasaltError("deadline_exceeded", `download of ${shown}: ${timedOut}`);
    const e = err as Error;
    throw new BasaltError("unavailable", `cannot fetch ${shown}: ${String(e.cause ?? e.message)}`);
  };
  try {
    let current = new URL(url);
    let res: Response | undefined;
    for (let redirects = 0; ; redirects++) {
      checkScheme(current);
      arm(options.headersTimeoutMs ?? 30_000, "no answer within the timeout");
      res = await fetch(current, { redirect: "manual", signal: controller.signal }).catch(fail);
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel().catch(() => undefined);
        if (redirects >= (options.maxRedirects ?? 5))
          throw new BasaltError(
            "unavailable",
            `fetching ${shown}: more than ${options.maxRedirects ?? 5} redirects`,
          );
        current = new URL(location, current);
        continue;
      }
      break;
    }
    if (!res.ok || !res.body)
      throw new BasaltError("unavailable", `fetching ${shown} answered HTTP ${res.status}`);
    let total = 0;
    const idle = options.idleTimeoutMs ?? 60_000;
    arm(idle, `the server sent nothing for ${idle} ms`);
    try {
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > options.maxBytes())
          throw new BasaltError(
            "resource_exhausted",
            `${shown} sent more than ${options.maxBytes()} bytes, more than its signed manifest announces`,
          );
        arm(idle, `the server sent nothing for ${idle} ms`);
        yield chunk;
      }
    } catch (err) {
      fail(err);
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", stop);
    // Whatever the consumer did not read is not fetched: the connection is released.
    controller.abort();
  }
}

/**
 * The most bytes a download may bring for a bundle with these component sizes: headers, padding
 * and the end marker, plus one read's worth of slack (a chunk may hold more than the reader needs).
 * With no sizes (the manifest not yet trusted) it is what the manifest and signature may take.
 */
export function bundleSizeLimit(componentSizes: readonly number[]): number {
  const entry = (size: number) => 512 + Math.ceil(size / 512) * 512;
  const slack = 4 * 1024 * 1024;
  // manifest (≤ 64 KiB) and signature (≤ 4 KiB) come first, then the components, then two zero blocks.
  return entry(64 * 1024) + entry(4096) + componentSizes.reduce((sum, s) => sum + entry(s), 0) + 1024 + slack;
}
