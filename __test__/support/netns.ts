// A real blackhole: packets the kernel drops, so nothing acknowledges them (unlike the userland
// proxy, whose kernel still ACKs). The test's own network namespace is joined to this one by a
// veth pair; the pool connects to a forwarder inside the namespace, which reaches the server
// through an in-process forwarder on the host side of the pair:
//
//   pool ──► 10.213.a.b+2:P  (namespace, forwarder; nft drops here)
//        ──► 10.213.a.b+1:Q  (host side of the veth, this process) ──► the server
//
// `drop()` adds an nftables rule inside the namespace dropping the pool's leg in both
// directions; `heal()` removes it. Needs root, `ip` (iproute2) and `nft` (nftables); without
// them `createKernelBlackhole` returns the reason, and the spec says so in its test names.
// Only addresses inside the namespace created here and the veth pair's are used.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { isRoot } from '../../scripts/lib/host.mjs';
import { splice } from '../../scripts/lib/splice.mjs';

const run = promisify(execFile);

/** A namespace with a forwarder to the server, and a switch to drop its packets. */
export interface KernelBlackhole {
  /** `base` (a postgres URL) with host and port replaced by the forwarder in the namespace. */
  url(base: string): string;
  /** The kernel in the namespace drops every packet of the pool's leg (no RST, no ACK). */
  drop(): Promise<void>;
  /** Removes the drop rule. */
  heal(): Promise<void>;
  /** Removes the namespace, the veth pair, the forwarders. */
  close(): Promise<void>;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args, { timeout: 10_000 });
}

/** Why a namespace cannot be made here, or null when it can (root, ip and nft present). */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!isRoot) return 'not root (network namespaces need CAP_NET_ADMIN)';
  for (const bin of ['/usr/sbin/ip', '/usr/sbin/nft']) {
    if (!existsSync(bin) && !existsSync(bin.replace('/usr/sbin', '/sbin'))) return `${bin.split('/').pop()} is not installed (apt-get install iproute2 nftables)`;
  }
  return null;
}

/**
 * Creates the namespace and forwarders for the server at 127.0.0.1:`serverPort`. Resolves to
 * the blackhole, or to `{ unavailable }` with the reason when the machine cannot make one.
 */
export async function createKernelBlackhole(serverPort: number): Promise<KernelBlackhole | { unavailable: string }> {
  const why = netnsUnavailable();
  if (why) return { unavailable: why };
  const id = process.pid % 100_000;
  const ns = `wpbh${id}`;
  const hostIf = `wpbh${id}h`;
  const nsIf = `wpbh${id}n`;
  const subnet = `10.213.${(id >> 6) & 255}.${(id & 63) * 4}`;
  const base = subnet.split('.').map(Number);
  const hostAddr = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 1}`;
  const nsAddr = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 2}`;
  const nsPort = 15432;
  let hostForwarder: Server | null = null;
  let nsForwarder: ChildProcess | null = null;
  const sockets = new Set<Socket>();

  const cleanup = async () => {
    nsForwarder?.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (hostForwarder ? hostForwarder.close(() => r()) : r()));
    await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    await sh('ip', ['link', 'del', hostIf]).catch(() => undefined);
  };

  try {
    await cleanup(); // a namespace left by a killed earlier run of this pid
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await sh('ip', ['link', 'set', nsIf, 'netns', ns]);
    await sh('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', hostIf]);
    await sh('ip', ['link', 'set', hostIf, 'up']);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf]);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up']);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);

    // Host side: hostAddr:Q → the server on loopback.
    hostForwarder = createServer((client) => {
      const upstream = connect(serverPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      }
      splice(client, upstream);
    });
    const hostPort = await new Promise<number>((resolve, reject) => {
      hostForwarder!.once('error', reject);
      hostForwarder!.listen(0, hostAddr, () => resolve((hostForwarder!.address() as { port: number }).port));
    });

    // Namespace side: nsAddr:P → hostAddr:Q.
    nsForwarder = spawn('ip', ['netns', 'exec', ns, process.execPath, join(__dirname, 'netns-forwarder.mjs'), nsAddr, String(nsPort), hostAddr, String(hostPort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`the forwarder in ${ns} did not start: ${err}`)), 10_000);
      nsForwarder!.stderr!.on('data', (d) => (err += d));
      nsForwarder!.stdout!.on('data', (d) => {
        if (String(d).includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      nsForwarder!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the forwarder in ${ns} exited (${code}): ${err}`));
      });
    });
  } catch (err) {
    await cleanup();
    return { unavailable: `could not set up the namespace: ${(err as Error).message.split('\n')[0]}` };
  }

  const nft = (args: string) => sh('ip', ['netns', 'exec', ns, 'nft', ...args.split(' ')]);
  return {
    url(baseUrl) {
      const u = new URL(baseUrl);
      u.hostname = nsAddr;
      u.port = String(nsPort);
      return u.toString();
    },
    async drop() {
      await nft('add table inet wpbh');
      await nft('add chain inet wpbh in { type filter hook input priority 0 ; }');
      await nft('add chain inet wpbh out { type filter hook output priority 0 ; }');
      await nft(`add rule inet wpbh in tcp dport ${nsPort} drop`);
      await nft(`add rule inet wpbh out tcp sport ${nsPort} drop`);
    },
    async heal() {
      await nft('delete table inet wpbh').catch(() => undefined);
    },
    close: cleanup,
  };
}
