// What a pool says about the wedding calendar on both sides of an edge instant: isWeddingDay(),
// stats(), scalingPlan() and calculateConnectionPriority(). Plain CommonJS so that a child
// process running under another TZ can load it with `node -e` (see calendar-edges.spec.ts).
'use strict';

/**
 * Probes every edge with a fresh pool (max 50, multiplier 3, fleet budget off) and ends it.
 * @param {{ WeddingAwareConnectionPool: new (options: object) => any }} wedpool the package
 * @param {string} connectionString
 * @param {{ name: string, calendar: object, at: string }[]} edges
 */
async function probeCalendar(wedpool, connectionString, edges) {
  const results = [];
  for (const edge of edges) {
    const pool = new wedpool.WeddingAwareConnectionPool({
      connectionString,
      fleetBudget: false,
      basePoolSize: { min: 0, max: 50 },
      weddingDayMultiplier: 3,
      weddingCalendar: edge.calendar,
    });
    try {
      const at = Date.parse(edge.at);
      const side = (t) => {
        pool.setCalendarTime(new Date(t));
        const stats = pool.stats();
        const plan = pool.scalingPlan();
        return {
          isWeddingDay: pool.isWeddingDay(),
          statsWeddingDay: stats.weddingDay,
          maxSize: stats.maxSize,
          reason: stats.scaling.reason,
          plan: { max: plan.target.max, reason: plan.target.reason },
          priority: pool.calculateConnectionPriority(),
        };
      };
      const before = side(at - 1000);
      const after = side(at);
      pool.setCalendarTime(new Date(at - 3 * 3600 * 1000));
      const change = pool.scalingPlan().next.find((c) => c.at.getTime() === at);
      const plannedAtEdge = change ? { max: change.max, reason: change.reason } : null;
      results.push({ name: edge.name, before, after, plannedAtEdge });
    } finally {
      await pool.end();
    }
  }
  return results;
}

module.exports = { probeCalendar };
