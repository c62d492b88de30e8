//! The pool's metrics: gauges for its shape and health, counters for what happened, and a
//! histogram of acquire wait per priority class, as [`MetricFamily`]s (rendered as Prometheus
//! text by [`render_text`]).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::admission::priority_class::PriorityClass;
use crate::observe::exposition::{MetricFamily, MetricKind, MetricSample};
use crate::observe::health::HealthState;
use crate::observe::remove_reason::RemoveReason;
use crate::observe::status::PoolStats;

/// Upper bounds (seconds) of the acquire-wait histogram buckets.
pub const WAIT_BUCKETS: [f64; 14] =
    [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Acquire waits per class.
#[derive(Debug, Clone, Default)]
pub struct WaitHistogram {
    buckets: [[u64; WAIT_BUCKETS.len()]; 3],
    counts: [u64; 3],
    sums: [f64; 3],
}

impl WaitHistogram {
    /// Records one acquire that waited `seconds`.
    pub fn record(&mut self, class: PriorityClass, seconds: f64) {
        let c = class as usize;
        self.counts[c] += 1;
        self.sums[c] += seconds;
        for (bucket, bound) in self.buckets[c].iter_mut().zip(WAIT_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }
}

/// What the fleet claims cost: how many ran, the connections they granted, the time spent
/// waiting for the claim lock, holding it, and in the claim's own round trips.
#[derive(Debug, Clone, Default)]
pub struct ClaimStats {
    /// Claims that took the lock.
    pub claims: u64,
    /// Claims that could not take the lock in time, read the server or record the claim.
    pub failed: u64,
    /// Connections granted (and opened) by claims.
    pub granted: u64,
    /// Time waiting for the lock.
    pub lock_wait: Duration,
    /// Time holding the lock (reading the server, recording the claim).
    pub lock_held: Duration,
    /// Time a claim adds to opening its connections: all its round trips and the lock wait.
    pub overhead: Duration,
}

/// Everything the exposition shows.
pub struct MetricsInput<'a> {
    /// The `pool` label (the application name).
    pub pool: &'a str,
    /// Current shape.
    pub stats: &'a PoolStats,
    /// Current health.
    pub health: HealthState,
    /// Connections closed, by reason.
    pub removed_by_reason: &'a BTreeMap<RemoveReason, u64>,
    /// Scaling target changes.
    pub scale_events: u64,
    /// Acquire waits.
    pub waits: &'a WaitHistogram,
    /// Fleet claims.
    pub claims: &'a ClaimStats,
}

/// Builds families in order; every sample carries the `pool` label first.
struct Families<'a> {
    pool: &'a str,
    out: Vec<MetricFamily>,
}

impl Families<'_> {
    fn family(&mut self, name: &str, kind: MetricKind, help: &str) -> &mut Self {
        self.out.push(MetricFamily { name: name.into(), help: help.into(), kind, samples: Vec::new() });
        self
    }

    /// A sample of the last family, named `suffix` after it, with `labels` after `pool`.
    fn sample(&mut self, suffix: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        let family = self.out.last_mut().expect("a family before its samples");
        let mut all = vec![("pool".to_string(), self.pool.to_string())];
        all.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        family.samples.push(MetricSample { name: format!("{}{suffix}", family.name), labels: all, value });
        self
    }

    /// A family with one unlabelled (but for `pool`) sample.
    fn single(&mut self, name: &str, kind: MetricKind, help: &str, value: f64) -> &mut Self {
        self.family(name, kind, help).sample("", &[], value)
    }
}

/// The metric families, in exposition order.
pub fn families(m: &MetricsInput<'_>) -> Vec<MetricFamily> {
    use MetricKind::{Counter, Gauge, Histogram};
    let s = m.stats;
    let mut f = Families { pool: m.pool, out: Vec::new() };
    let n = |v: usize| v as f64;
    f.family("wedpool_connections", Gauge, "Open connections by state.")
        .sample("", &[("state", "idle")], n(s.idle))
        .sample("", &[("state", "in_use")], n(s.in_use))
        .sample("", &[("state", "pending")], n(s.pending));
    f.single("wedpool_size", Gauge, "Open connections.", n(s.size));
    f.single("wedpool_waiting", Gauge, "Callers waiting for a connection.", n(s.waiting));
    f.family("wedpool_reserved", Gauge, "Emergency reserve: configured slots, warm idle connections and slots in use.")
        .sample("", &[("state", "size")], n(s.reserved.size))
        .sample("", &[("state", "idle")], n(s.reserved.idle))
        .sample("", &[("state", "in_use")], n(s.reserved.in_use));
    f.family("wedpool_target", Gauge, "Scaling target.").sample("", &[("bound", "min")], n(s.min_size)).sample(
        "",
        &[("bound", "max")],
        n(s.max_size),
    );
    f.single("wedpool_wedding_day", Gauge, "1 on a wedding day, else 0.", f64::from(u8::from(s.wedding_day)));
    f.family("wedpool_health", Gauge, "1 for the current health state, 0 for the others.");
    for state in [HealthState::Healthy, HealthState::Degraded, HealthState::Down] {
        f.sample("", &[("state", state.as_str())], f64::from(u8::from(state == m.health)));
    }
    f.single("wedpool_acquired_total", Counter, "Connections handed to callers.", s.acquired as f64);
    f.single("wedpool_acquire_timeouts_total", Counter, "Acquires that timed out.", s.timeouts as f64);
    f.single("wedpool_shed_total", Counter, "Callers shed (queue full or database down).", s.shed as f64);
    f.single("wedpool_connections_created_total", Counter, "Connections opened.", s.created as f64);
    f.single("wedpool_connect_failures_total", Counter, "Failed connection attempts.", s.connect_failures as f64);
    f.single(
        "wedpool_server_full_total",
        Counter,
        "Connection attempts refused because the server was full (53300): back-pressure, not an outage.",
        s.server_full as f64,
    );
    f.family("wedpool_connections_removed_total", Counter, "Connections closed, by reason.");
    let mut removed: Vec<_> = m.removed_by_reason.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    removed.sort_unstable();
    for (reason, count) in removed {
        f.sample("", &[("reason", reason)], count as f64);
    }
    f.single("wedpool_scale_events_total", Counter, "Changes of the scaling target.", m.scale_events as f64);
    let c = m.claims;
    f.family("wedpool_fleet_claims_total", Counter, "Fleet claims, by outcome (ok: took the claim lock).")
        .sample("", &[("outcome", "ok")], c.claims as f64)
        .sample("", &[("outcome", "failed")], c.failed as f64);
    f.single(
        "wedpool_fleet_claimed_connections_total",
        Counter,
        "Connections opened under a fleet claim.",
        c.granted as f64,
    );
    f.single(
        "wedpool_fleet_claim_lock_wait_seconds_total",
        Counter,
        "Time spent waiting for the claim lock.",
        c.lock_wait.as_secs_f64(),
    );
    f.single(
        "wedpool_fleet_claim_lock_held_seconds_total",
        Counter,
        "Time spent holding the claim lock.",
        c.lock_held.as_secs_f64(),
    );
    f.single(
        "wedpool_fleet_claim_overhead_seconds_total",
        Counter,
        "Time fleet claims added to opening connections (their round trips and lock waits).",
        c.overhead.as_secs_f64(),
    );
    f.family("wedpool_acquire_wait_seconds", Histogram, "Time callers waited for a connection, by priority class.");
    for class in PriorityClass::ALL {
        let (i, class) = (class as usize, class.as_str());
        for (bound, count) in WAIT_BUCKETS.iter().zip(m.waits.buckets[i]) {
            f.sample("_bucket", &[("class", class), ("le", &bound.to_string())], count as f64);
        }
        let count = m.waits.counts[i] as f64;
        f.sample("_bucket", &[("class", class), ("le", "+Inf")], count);
        f.sample("_sum", &[("class", class)], m.waits.sums[i]);
        f.sample("_count", &[("class", class)], count);
    }
    f.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::exposition::render_text;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let mut h = WaitHistogram::default();
        h.record(PriorityClass::Normal, 0.003);
        h.record(PriorityClass::Normal, 10.0);
        let b = h.buckets[PriorityClass::Normal as usize];
        assert_eq!(b[3], 0); // ≤ 2.5 ms
        assert_eq!(b[4], 1); // ≤ 5 ms
        assert_eq!(b[13], 1); // ≤ 5 s
        assert_eq!(h.counts[PriorityClass::Normal as usize], 2);
    }

    #[test]
    fn exposition_has_help_type_and_escaped_labels() {
        let stats = PoolStats::default();
        let removed = BTreeMap::from([(RemoveReason::IdleTimeout, 2u64)]);
        let text = render_text(&families(&MetricsInput {
            pool: "a\"b",
            stats: &stats,
            health: HealthState::Healthy,
            removed_by_reason: &removed,
            scale_events: 1,
            waits: &WaitHistogram::default(),
            claims: &ClaimStats::default(),
        }));
        assert!(text.contains("# TYPE wedpool_acquire_wait_seconds histogram"));
        assert!(text.contains("wedpool_connections_removed_total{pool=\"a\\\"b\",reason=\"idle_timeout\"} 2"));
        assert!(text.contains("wedpool_health{pool=\"a\\\"b\",state=\"healthy\"} 1"));
    }

    #[test]
    fn families_carry_what_the_text_shows() {
        let stats = PoolStats { idle: 2, acquired: 5, ..Default::default() };
        let mut waits = WaitHistogram::default();
        waits.record(PriorityClass::Wedding, 0.02);
        let input = MetricsInput {
            pool: "app",
            stats: &stats,
            health: HealthState::Down,
            removed_by_reason: &BTreeMap::new(),
            scale_events: 0,
            waits: &waits,
            claims: &ClaimStats::default(),
        };
        let all = families(&input);
        let waited = all.iter().find(|f| f.name == "wedpool_acquire_wait_seconds").unwrap();
        assert_eq!(waited.kind, MetricKind::Histogram);
        let count = waited.samples.iter().find(|s| {
            s.name == "wedpool_acquire_wait_seconds_count" && s.labels.contains(&("class".into(), "wedding".into()))
        });
        assert_eq!(count.map(|s| s.value), Some(1.0));
        let idle = &all[0].samples[0];
        assert_eq!(
            (idle.labels.clone(), idle.value),
            (vec![("pool".into(), "app".into()), ("state".into(), "idle".into())], 2.0)
        );
        assert_eq!(
            render_text(&all).lines().filter(|l| !l.starts_with('#')).count(),
            all.iter().map(|f| f.samples.len()).sum::<usize>()
        );
    }
}
