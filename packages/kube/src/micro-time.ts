/**
 * Kubernetes `MicroTime` (Lease `acquireTime`/`renewTime`, Event `eventTime`) on the wire is RFC 3339
 * with exactly six fractional digits, and the apiserver rejects any other precision (a Date's JSON
 * has three). These two functions are the boundary: format what we send, parse what we get.
 */

/** `2025-01-02T03:04:05.678000Z`: a Date as MicroTime (milliseconds, padded to microseconds). */
export function formatMicroTime(date: Date): string {
  const iso = date.toISOString(); // always YYYY-MM-DDTHH:mm:ss.sssZ for years 0000–9999
  return `${iso.slice(0, -1)}000Z`;
}

const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A MicroTime (or Time) as read — a string, or already a Date —
 * as a Date; `undefined` for absent or unparseable values. Sub-millisecond digits are dropped.
 */
export function parseMicroTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== "string" || !microTime.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
