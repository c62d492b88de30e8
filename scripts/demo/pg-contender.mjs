// The third contender: a real node-postgres `pg.Pool`, sized to WedPool's Saturday peak, behind
// the few calls the weekend runner makes (getConnection, stats, events). It answers "why not
// just a bigger pg pool?" with the same requests: no priorities, no reserve, one size all week.

/** Wraps a `pg.Pool` of `max` connections (at least `min` kept once open) for `runWeekend`. */
export function pgContender(pg, { connectionString, min, max, idleTimeoutMillis, acquireTimeoutMillis }) {
  const pool = new pg.Pool({
    connectionString,
    min,
    max,
    idleTimeoutMillis,
    connectionTimeoutMillis: acquireTimeoutMillis,
    application_name: 'wedpool-demo-pg',
  });
  // An idle client's background error must not end the demo.
  pool.on('error', () => undefined);
  return {
    on(name, listener) {
      if (name !== 'scale') pool.on(name, listener);
    },
    off(name, listener) {
      if (name !== 'scale') pool.off(name, listener);
    },
    /** pg has no calendar: the size is the same every day. */
    setCalendarTime() {},
    /** Connects (the context is ignored: pg serves callers first come, first served). */
    async getConnection(_ctx, { signal } = {}) {
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });
      let client;
      try {
        client = await pool.connect();
      } catch (err) {
        if (/timeout exceeded when trying to connect/.test(err?.message ?? '')) err.code = 'PG_CONNECT_TIMEOUT';
        throw err;
      }
      return { reserved: false, query: (sql, params) => client.query(sql, params), release: () => client.release() };
    },
    stats() {
      const size = pool.totalCount;
      const idle = pool.idleCount;
      return {
        size,
        idle,
        inUse: size - idle,
        waiting: pool.waitingCount,
        minSize: min,
        maxSize: max,
        reserved: { inUse: 0 },
        weddingDay: false,
        scaling: { reason: `fixed at max ${max}` },
      };
    },
    end: () => pool.end(),
  };
}
