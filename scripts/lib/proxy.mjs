// A TCP proxy in front of a PostgreSQL server, for network faults: the one implementation used
// by the fault suite (__test__/support/proxy.ts re-exports it with types) and by the soak
// (scripts/soak.mjs). Listens on 127.0.0.1 only.
//
//   const proxy = await startProxy({ port: server.port });
//   const pool = new WeddingAwareConnectionPool({ connectionString: proxy.url(server.url) });
//   await proxy.blackhole();   // sockets stay open, nothing is forwarded, no reset
//   await proxy.pass();        // held bytes are delivered, in order, as TCP would after a partition heals
//   await proxy.close();       // every socket, timer and listener is gone
//
// Modes:
// - `pass`: forward both directions.
// - `{ delay: ms }`: every chunk (both directions) is delivered `ms` later, in order.
// - `blackhole`: forward nothing in either direction and propagate no FIN or close; sockets stay
//   open. Bytes are still read (so the proxy sees a client give up) and held, then delivered in
//   order if the mode changes back.
//   New connections are accepted (the kernel completes the handshake) but never forwarded (no
//   upstream connection is made) until the mode changes. Note: the proxy's kernel still ACKs
//   and answers TCP keepalive probes, so only application-level checks (a ping with a
//   deadline) can find such a connection dead — which is exactly what a pool must do.
// - `reset`: every current client socket is closed with a RST (and its upstream destroyed);
//   new connections are reset as soon as they are accepted.
// - `refuse`: stop listening (new connects get ECONNREFUSED); open connections keep working.
//
// `cutAfterCommit()` arms a one-shot fault for the lost answer to COMMIT: the next COMMIT a client
// sends (a simple 'Q' COMMIT/END, or the Bind of a statement prepared as COMMIT/END) is
// forwarded to the server; the server's first bytes after it (its answer: CommandComplete, or
// the error of a COMMIT that failed) are dropped and the client socket is reset, so the server
// has decided while the client never hears. Resolves once the cut happened.
// `cutAfterStatement(pattern)` does the same for the next statement whose text matches `pattern`.
// `holdCommit()` arms a one-shot partition that begins just as a COMMIT is written: the next
// COMMIT a client sends never reaches the server, and neither does anything after it on that
// connection (not even its close); both sockets stay open. The server holds the transaction open
// ("in progress") until its session ends. Resolves once the COMMIT was held.
// `resetAll()` resets the current sockets without changing the mode (returns how many).
// `stats()` counts connections accepted (total, with timestamps) and open now.
import { connect, createServer } from 'node:net';

/** @typedef {'pass' | 'blackhole' | 'reset' | 'refuse' | { delay: number }} ProxyMode */
/** @typedef {'up' | 'down'} Dir */

const COMMIT_SQL = /^\s*(commit|end)\b(?!\s+prepared)/i;

/**
 * Follows the frontend messages of one client (startup, then type byte + length framing) and
 * calls `onStatement(sql)` when a statement is sent for execution: a simple query, or the Bind
 * of a prepared statement (with the text it was prepared from).
 */
function statementWatcher(onStatement) {
  let buf = Buffer.alloc(0);
  let startup = true;
  const statements = new Map();
  const cstring = (b, at) => {
    const end = b.indexOf(0, at);
    return [b.toString('utf8', at, end), end + 1];
  };
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (startup) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        // SSLRequest / GSSENCRequest are followed by the real startup message.
        if (code !== 80877103 && code !== 80877104) startup = false;
        buf = buf.subarray(len);
        continue;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0]);
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) return;
      const body = buf.subarray(5, len + 1);
      buf = buf.subarray(len + 1);
      if (type === 'Q') onStatement(cstring(body, 0)[0]);
      else if (type === 'P') {
        const [name, next] = cstring(body, 0);
        statements.set(name, cstring(body, next)[0]);
      } else if (type === 'B') {
        const [, next] = cstring(body, 0);
        const [statement] = cstring(body, next);
        onStatement(statements.get(statement) ?? '');
      }
    }
  };
}

/** Closes `socket` with a RST where Node supports it, else destroys it. */
function hardReset(socket) {
  if (!socket || socket.destroyed) return;
  try {
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

/**
 * Starts a proxy to `target` (host defaults to 127.0.0.1) on a free port of 127.0.0.1.
 * Rejects when it cannot listen.
 * @param {{ host?: string, port: number }} target
 */
export async function startProxy(target) {
  const host = target.host ?? '127.0.0.1';
  const pairs = new Set();
  const closing = [];
  /** @type {ProxyMode} */
  let mode = 'pass';
  let server = null;
  let port = 0;
  let closed = false;
  let counts = { accepted: 0, upstreamConnects: 0, acceptedAt: [] };
  /** The armed `cutAfterCommit()` / `cutAfterStatement()`: `{ pattern, resolve }`, until matched. */
  let commitCut = null;
  /** The armed `holdCommit()`: its resolver, until a COMMIT is seen. */
  let commitHold = null;

  const isBlackhole = () => mode === 'blackhole';
  const delayMs = () => (typeof mode === 'object' ? Math.max(0, mode.delay) : 0);

  function finish(pair) {
    if (pair.done) return;
    pair.done = true;
    for (const dir of ['up', 'down']) {
      if (pair.timer[dir]) clearTimeout(pair.timer[dir]);
      pair.timer[dir] = null;
      pair.queue[dir].length = 0;
    }
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  }

  /** Delivers what is due in direction `dir`, then passes on a close once the queue is empty. */
  function pump(pair, dir) {
    if (pair.done || isBlackhole()) return;
    const dst = dir === 'up' ? pair.upstream : pair.client;
    if (dir === 'up' && !pair.upstreamReady) return;
    if (!dst || dst.destroyed) return;
    const q = pair.queue[dir];
    const now = performance.now();
    while (q.length > 0 && q[0].due <= now) dst.write(q.shift().chunk);
    if (pair.timer[dir]) {
      clearTimeout(pair.timer[dir]);
      pair.timer[dir] = null;
    }
    if (q.length > 0) {
      pair.timer[dir] = setTimeout(() => {
        pair.timer[dir] = null;
        pump(pair, dir);
      }, Math.max(1, Math.ceil(q[0].due - now)));
      return;
    }
    if (pair.ended[dir]) {
      // The source is gone and everything it sent has been delivered: pass the close on.
      dst.end();
      if (pair.ended.up && pair.ended.down) finish(pair);
    }
  }

  function attach(pair, src, dir) {
    src.on('data', (chunk) => {
      if (dir === 'up') pair.watch(chunk);
      if (dir === 'up' && pair.heldUp) return;
      if (dir === 'down' && pair.cutOnAnswer) {
        // The server answered the COMMIT: the client never hears it.
        const done = pair.cutOnAnswer;
        hardReset(pair.client);
        finish(pair);
        done();
        return;
      }
      pair.queue[dir].push({ chunk, due: performance.now() + delayMs() });
      pump(pair, dir);
    });
    const ended = () => {
      if (dir === 'up' && pair.heldUp) return; // partitioned: the close does not travel either
      if (!pair.ended[dir]) {
        pair.ended[dir] = true;
        pump(pair, dir);
      }
      // Both sockets gone (an orderly close travelled both ways, or each side dropped): nothing
      // is left to deliver, so the pair goes too (otherwise closed pairs pile up).
      if (pair.client.destroyed && (!pair.upstream || pair.upstream.destroyed)) finish(pair);
    };
    src.on('end', ended);
    src.on('close', ended);
    src.on('error', () => {
      /* reported through 'close' */
    });
  }

  function openUpstream(pair) {
    if (pair.upstream || pair.done) return;
    counts.upstreamConnects += 1;
    const upstream = connect({ host, port: target.port });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('connect', () => {
      pair.upstreamReady = true;
      pump(pair, 'up');
    });
    upstream.on('error', () => {
      // Upstream unreachable (server down): the client sees a reset, as with a dead server.
      if (!pair.upstreamReady) {
        hardReset(pair.client);
        finish(pair);
      }
    });
    attach(pair, upstream, 'down');
  }

  function onConnection(client) {
    counts.accepted += 1;
    counts.acceptedAt.push(performance.now());
    client.on('error', () => {});
    if (closed || mode === 'reset') {
      hardReset(client);
      return;
    }
    client.setNoDelay(true);
    const pair = {
      client,
      upstream: null,
      upstreamReady: false,
      queue: { up: [], down: [] },
      timer: { up: null, down: null },
      ended: { up: false, down: false },
      done: false,
      cutOnAnswer: null,
      heldUp: false,
      watch: statementWatcher((sql) => {
        if (commitHold && COMMIT_SQL.test(sql)) {
          pair.heldUp = true;
          commitHold();
          commitHold = null;
        } else if (commitCut && commitCut.pattern.test(sql)) {
          pair.cutOnAnswer = commitCut.resolve;
          commitCut = null;
        }
      }),
    };
    pairs.add(pair);
    client.on('close', () => {
      // A parked client (never forwarded) that goes away leaves nothing behind. Otherwise the
      // close travels like data: after queued bytes, and not while blackholed.
      if (!pair.upstream) finish(pair);
    });
    attach(pair, client, 'up');
    if (isBlackhole()) return; // parked: connected upstream when the blackhole ends
    openUpstream(pair);
  }

  async function listen() {
    if (server || closed) return;
    const s = createServer({ noDelay: true }, onConnection);
    closing.push(new Promise((r) => s.once('close', () => r())));
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', () => {});
    port = s.address().port;
    server = s;
  }

  function stopListening() {
    if (!server) return;
    server.close();
    server = null;
  }

  function resetAll() {
    let n = 0;
    for (const pair of [...pairs]) {
      hardReset(pair.client);
      pair.upstream?.destroy();
      finish(pair);
      n += 1;
    }
    return n;
  }

  /** Switches mode; rejects when closed or given an invalid delay. */
  async function setMode(next) {
    if (closed) throw new Error('proxy is closed');
    if (typeof next === 'object' && !(Number.isFinite(next.delay) && next.delay >= 0)) {
      throw new Error(`invalid delay ${String(next.delay)}`);
    }
    const wasBlackhole = isBlackhole();
    mode = next;
    if (next === 'refuse') {
      stopListening();
    } else {
      await listen();
    }
    if (next === 'reset') {
      resetAll();
      return;
    }
    if (next === 'blackhole') return; // sockets keep reading (so closes are seen); nothing is delivered
    if (wasBlackhole) {
      for (const pair of [...pairs]) {
        if (!pair.upstream) openUpstream(pair);
        pump(pair, 'up');
        pump(pair, 'down');
      }
    }
  }

  await listen();

  return {
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    /**
     * `url` with its port replaced by the proxy's (host forced to 127.0.0.1) and, unless it names
     * an `sslmode`, `sslmode=disable`: the proxy reads the protocol (to find COMMITs and
     * statements), which TLS would hide — against a server with `ssl=on` the default `prefer`
     * would otherwise encrypt.
     */
    url(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
      return u.toString();
    },
    setMode,
    pass: () => setMode('pass'),
    delay: (ms) => setMode({ delay: ms }),
    blackhole: () => setMode('blackhole'),
    reset: () => setMode('reset'),
    refuse: () => setMode('refuse'),
    resetAll,
    /** Lets the next COMMIT reach the server and resets its client before the answer arrives. */
    cutAfterCommit: () =>
      new Promise((resolve) => {
        commitCut = { pattern: COMMIT_SQL, resolve };
      }),
    /** The same for the next statement whose text matches `pattern`. */
    cutAfterStatement: (pattern) =>
      new Promise((resolve) => {
        commitCut = { pattern, resolve };
      }),
    /** Swallows the next COMMIT and everything after it on that connection; sockets stay open. */
    holdCommit: () =>
      new Promise((resolve) => {
        commitHold = resolve;
      }),
    stats: () => ({
      ...counts,
      acceptedAt: [...counts.acceptedAt],
      open: [...pairs].filter((p) => !p.client.destroyed).length,
    }),
    resetCounts: () => {
      counts = { accepted: 0, upstreamConnects: 0, acceptedAt: [] };
    },
    /** Closes everything; idempotent. */
    async close() {
      if (closed) return;
      closed = true;
      stopListening();
      for (const pair of [...pairs]) finish(pair);
      await Promise.all(closing);
    },
  };
}
