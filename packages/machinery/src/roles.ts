/**
 * Roles a client holds, read from its certificate's Subject O. A certificate may carry several
 * organizations; the client holds every Basalt role among them.
 */
export const roles = ["os:admin", "os:operator", "os:reader"] as const;

export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
