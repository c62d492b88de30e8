//! Prometheus text exposition (format 0.0.4) of the pool: gauges for its shape and health,
//! counters for what happened, and a histogram of acquire wait per priority class.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::admission::priority_class::PriorityClass;
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

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Renders the exposition text.
pub fn render(m: &MetricsInput<'_>) -> String {
    let mut out = String::new();
    let pool = format!("pool=\"{}\"", escape(m.pool));
    let s = m.stats;
    family(&mut out, "wedpool_connections", "gauge", "Open connections by state.");
    let _ = writeln!(out, "wedpool_connections{{{pool},state=\"idle\"}} {}", s.idle);
    let _ = writeln!(out, "wedpool_connections{{{pool},state=\"in_use\"}} {}", s.in_use);
    let _ = writeln!(out, "wedpool_connections{{{pool},state=\"pending\"}} {}", s.pending);
    family(&mut out, "wedpool_size", "gauge", "Open connections.");
    let _ = writeln!(out, "wedpool_size{{{pool}}} {}", s.size);
    family(&mut out, "wedpool_waiting", "gauge", "Callers waiting for a connection.");
    let _ = writeln!(out, "wedpool_waiting{{{pool}}} {}", s.waiting);
    family(
        &mut out,
        "wedpool_reserved",
        "gauge",
        "Emergency reserve: configured slots, warm idle connections and slots in use.",
    );
    let _ = writeln!(out, "wedpool_reserved{{{pool},state=\"size\"}} {}", s.reserved.size);
    let _ = writeln!(out, "wedpool_reserved{{{pool},state=\"idle\"}} {}", s.reserved.idle);
    let _ = writeln!(out, "wedpool_reserved{{{pool},state=\"in_use\"}} {}", s.reserved.in_use);
    family(&mut out, "wedpool_target", "gauge", "Scaling target.");
    let _ = writeln!(out, "wedpool_target{{{pool},bound=\"min\"}} {}", s.min_size);
    let _ = writeln!(out, "wedpool_target{{{pool},bound=\"max\"}} {}", s.max_size);
    family(&mut out, "wedpool_wedding_day", "gauge", "1 on a wedding day, else 0.");
    let _ = writeln!(out, "wedpool_wedding_day{{{pool}}} {}", u8::from(s.wedding_day));
    family(&mut out, "wedpool_health", "gauge", "1 for the current health state, 0 for the others.");
    for state in [HealthState::Healthy, HealthState::Degraded, HealthState::Down] {
        let _ = writeln!(out, "wedpool_health{{{pool},state=\"{}\"}} {}", state.as_str(), u8::from(state == m.health));
    }
    family(&mut out, "wedpool_acquired_total", "counter", "Connections handed to callers.");
    let _ = writeln!(out, "wedpool_acquired_total{{{pool}}} {}", s.acquired);
    family(&mut out, "wedpool_acquire_timeouts_total", "counter", "Acquires that timed out.");
    let _ = writeln!(out, "wedpool_acquire_timeouts_total{{{pool}}} {}", s.timeouts);
    family(&mut out, "wedpool_shed_total", "counter", "Callers shed (queue full or database down).");
    let _ = writeln!(out, "wedpool_shed_total{{{pool}}} {}", s.shed);
    family(&mut out, "wedpool_connections_created_total", "counter", "Connections opened.");
    let _ = writeln!(out, "wedpool_connections_created_total{{{pool}}} {}", s.created);
    family(&mut out, "wedpool_connect_failures_total", "counter", "Failed connection attempts.");
    let _ = writeln!(out, "wedpool_connect_failures_total{{{pool}}} {}", s.connect_failures);
    family(
        &mut out,
        "wedpool_server_full_total",
        "counter",
        "Connection attempts refused because the server was full (53300): back-pressure, not an outage.",
    );
    let _ = writeln!(out, "wedpool_server_full_total{{{pool}}} {}", s.server_full);
    family(&mut out, "wedpool_connections_removed_total", "counter", "Connections closed, by reason.");
    let mut removed: Vec<_> = m.removed_by_reason.iter().map(|(r, n)| (r.as_str(), n)).collect();
    removed.sort_unstable();
    for (reason, n) in removed {
        let _ = writeln!(out, "wedpool_connections_removed_total{{{pool},reason=\"{reason}\"}} {n}");
    }
    family(&mut out, "wedpool_scale_events_total", "counter", "Changes of the scaling target.");
    let _ = writeln!(out, "wedpool_scale_events_total{{{pool}}} {}", m.scale_events);
    let c = m.claims;
    family(&mut out, "wedpool_fleet_claims_total", "counter", "Fleet claims, by outcome (ok: took the claim lock).");
    let _ = writeln!(out, "wedpool_fleet_claims_total{{{pool},outcome=\"ok\"}} {}", c.claims);
    let _ = writeln!(out, "wedpool_fleet_claims_total{{{pool},outcome=\"failed\"}} {}", c.failed);
    family(&mut out, "wedpool_fleet_claimed_connections_total", "counter", "Connections opened under a fleet claim.");
    let _ = writeln!(out, "wedpool_fleet_claimed_connections_total{{{pool}}} {}", c.granted);
    family(
        &mut out,
        "wedpool_fleet_claim_lock_wait_seconds_total",
        "counter",
        "Time spent waiting for the claim lock.",
    );
    let _ = writeln!(out, "wedpool_fleet_claim_lock_wait_seconds_total{{{pool}}} {}", c.lock_wait.as_secs_f64());
    family(&mut out, "wedpool_fleet_claim_lock_held_seconds_total", "counter", "Time spent holding the claim lock.");
    let _ = writeln!(out, "wedpool_fleet_claim_lock_held_seconds_total{{{pool}}} {}", c.lock_held.as_secs_f64());
    family(
        &mut out,
        "wedpool_fleet_claim_overhead_seconds_total",
        "counter",
        "Time fleet claims added to opening connections (their round trips and lock waits).",
    );
    let _ = writeln!(out, "wedpool_fleet_claim_overhead_seconds_total{{{pool}}} {}", c.overhead.as_secs_f64());
    family(
        &mut out,
        "wedpool_acquire_wait_seconds",
        "histogram",
        "Time callers waited for a connection, by priority class.",
    );
    for class in PriorityClass::ALL {
        let c = class as usize;
        let labels = format!("{pool},class=\"{}\"", class.as_str());
        for (bound, n) in WAIT_BUCKETS.iter().zip(m.waits.buckets[c]) {
            let _ = writeln!(out, "wedpool_acquire_wait_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "wedpool_acquire_wait_seconds_bucket{{{labels},le=\"+Inf\"}} {}", m.waits.counts[c]);
        let _ = writeln!(out, "wedpool_acquire_wait_seconds_sum{{{labels}}} {}", m.waits.sums[c]);
        let _ = writeln!(out, "wedpool_acquire_wait_seconds_count{{{labels}}} {}", m.waits.counts[c]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let text = render(&MetricsInput {
            pool: "a\"b",
            stats: &stats,
            health: HealthState::Healthy,
            removed_by_reason: &removed,
            scale_events: 1,
            waits: &WaitHistogram::default(),
            claims: &ClaimStats::default(),
        });
        assert!(text.contains("# TYPE wedpool_acquire_wait_seconds histogram"));
        assert!(text.contains("wedpool_connections_removed_total{pool=\"a\\\"b\",reason=\"idle_timeout\"} 2"));
        assert!(text.contains("wedpool_health{pool=\"a\\\"b\",state=\"healthy\"} 1"));
    }
}
