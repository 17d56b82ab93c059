/**
 * Roles a client holds, read from its certificate's Subject O. A certificate may carry several
 * organizations; the client holds every Basalt role among them. `os:upgrader` is the upgrade
 * controller's least privilege: change what a node boots (upgrade, roll back) and reboot it, see its
 * version and status — no Shutdown, no file reads, no logs, no service control.
 */
export const roles = ["os:admin", "os:operator", "os:reader", "os:upgrader"] as const;

export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
