import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeHexAddress, parseRoutes4, parseSocketTable } from "./net-parsers.ts";
import {
  parseKmsgRecord,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseProcStat,
} from "./proc-parsers.ts";

test("meminfo values are bytes", () => {
  const m = parseMeminfo("MemTotal:       16384 kB\nMemFree:  1024 kB\nHugePages_Total:       0\n");
  assert.equal(m.MemTotal, 16384 * 1024);
  assert.equal(m.HugePages_Total, 0);
});

test("loadavg", () => {
  assert.deepEqual(parseLoadavg("0.08 0.03 0.01 2/123 4567\n"), {
    load1: 0.08,
    load5: 0.03,
    load15: 0.01,
    running: 2,
    total: 123,
  });
});

test("a command with spaces and parentheses does not shift the stat fields", () => {
  const line =
    "42 (my (weird) cmd) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 100 1000000 25 18446744073709551615";
  const p = parseProcStat(line, 4096, 100);
  assert.equal(p.pid, 42);
  assert.equal(p.command, "my (weird) cmd");
  assert.equal(p.state, "S");
  assert.equal(p.ppid, 1);
  assert.equal(p.cpuTimeMs, 2000);
  assert.equal(p.threads, 3);
  assert.equal(p.rssBytes, 25 * 4096);
});

test("mountinfo: read-only flag, escaped spaces, source and fstype", () => {
  const [m] = parseMountinfo("25 1 254:0 / /my\\040dir ro,relatime shared:1 - erofs /dev/mapper/root ro\n");
  assert.equal(m!.target, "/my dir");
  assert.equal(m!.source, "/dev/mapper/root");
  assert.equal(m!.fstype, "erofs");
  assert.equal(m!.readOnly, true);
});

test("hex addresses", () => {
  assert.equal(decodeHexAddress("0100007F"), "127.0.0.1");
  assert.equal(decodeHexAddress("00000000000000000000000001000000"), "::1");
  assert.equal(decodeHexAddress("0000000000000000FFFF00000200007F"), "127.0.0.2");
});

test("tcp socket table", () => {
  const text =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
    "   0: 0200007F:C350 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1\n";
  const [s] = parseSocketTable(text, "tcp");
  assert.deepEqual(s, {
    protocol: "tcp",
    localAddress: "127.0.0.2",
    localPort: 50000,
    remoteAddress: "0.0.0.0",
    remotePort: 0,
    state: "LISTEN",
    inode: 12345,
  });
});

test("ipv4 routes", () => {
  const text =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
    "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
    "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  const r = parseRoutes4(text);
  assert.equal(r[0]!.destination, "0.0.0.0/0");
  assert.equal(r[0]!.gateway, "10.0.2.2");
  assert.equal(r[1]!.destination, "10.0.2.0/24");
});

test("kmsg records", () => {
  const r = parseKmsgRecord("6,339,5140900,-;NET: Registered protocol family 10\n SUBSYSTEM=net", 1000);
  assert.equal(r.priority, "info");
  assert.equal(r.facility, "kern");
  assert.equal(r.message, "NET: Registered protocol family 10");
  assert.equal(r.timeMs, 1000 + 5140.9);
});
