//! A deterministic simulation of the fleet protocol, for fleets too large to start on one
//! machine: `instances` instances start at random moments within one second against one
//! server, each wanting far more than its share. It models what the engine does — the first
//! connection opened unclaimed, every further one claimed under the fleet lock with the real
//! [`FleetSnapshot::grant`] arithmetic and pending slots, a quarter of the slots kept free for
//! 3 s after an instance appears, readings every 500 ms while held back, shrinking to the fair share as connections come back, a 150–300 ms pause after a
//! claim that found no room, 100 ms-doubling jittered backoff after a refusal — with fixed
//! latencies (round trip, connection set-up) and a seeded random source, so every run gives the
//! same figures.
//!
//! Run the report: `cargo test -p wedpool-core --release --lib fleet_sim -- --ignored --nocapture`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::pool::backoff::{backoff, Jitter};
use crate::scaling::fleet::FleetSnapshot;

/// What is simulated.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    /// Instances of the application.
    pub instances: usize,
    /// The server's `max_connections`.
    pub max_connections: usize,
    /// `superuser_reserved_connections`.
    pub superuser_reserved: usize,
    /// The fleet budget's safety margin.
    pub margin: usize,
    /// Connections each instance wants (its max on a Saturday).
    pub wants: usize,
    /// Every instance starts within this window (µs).
    pub start_window: u64,
    /// One round trip to the server (µs).
    pub round_trip: u64,
    /// Opening one connection (µs).
    pub connect: u64,
    /// How long the run lasts (µs).
    pub duration: u64,
    /// Seed of the random source.
    pub seed: u64,
}

impl SimConfig {
    /// `instances` starting within one second against `max_connections`, each wanting 150
    /// (50 × 3 on a Saturday); 0.2 ms round trips, 5 ms to open a connection; 10 s.
    pub fn saturday(instances: usize, max_connections: usize) -> SimConfig {
        SimConfig {
            instances,
            max_connections,
            superuser_reserved: 3,
            margin: 3,
            wants: 150,
            start_window: 1_000_000,
            round_trip: 200,
            connect: 5_000,
            duration: 10_000_000,
            seed: 0x5eed,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub struct SimReport {
    /// Connection attempts the server refused (53300).
    pub refusals: u64,
    /// Of those, attempts of an instance's first connection (made before it can claim).
    pub first_connection_refusals: u64,
    /// Most slots in use at once (open plus being opened).
    pub peak: usize,
    /// What non-superusers may use: `max_connections − superuser_reserved`.
    pub limit: usize,
    /// The most slots used beyond `limit` at any moment (0: never over).
    pub overshoot: usize,
    /// Connections opened under a claim.
    pub claimed: u64,
    /// Claims that took the lock.
    pub claims: u64,
    /// Time from the last instance's start until every instance stays within 0.5×–1.5× of an
    /// equal share for the rest of the run (µs); `None` when that never happens.
    pub time_to_fair: Option<u64>,
    /// Smallest and largest instance size at the end, and the equal share.
    pub final_range: (usize, usize, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// Instance starts: first (unclaimed) attempt.
    Start(usize),
    /// An attempt of instance `.0` completes (claimed: `.1`).
    Opened(usize, bool),
    /// Instance wants the fleet lock.
    WantLock(usize),
    /// Instance holding the lock takes its reading and records its grant.
    Grant(usize),
    /// Instance commits its claim (releasing the lock) and opens `.1` connections.
    Release(usize, usize),
    /// Instance releases its pending slots (its claimed openings are done).
    Unpend(usize),
    /// Periodic reading of instance `.0`.
    Read(usize),
    /// Retry after a refusal.
    Retry(usize),
}

#[derive(Debug, Default, Clone)]
struct Inst {
    started: bool,
    open: usize,
    opening: usize,
    pending: usize,
    claimed_in_flight: usize,
    budget: Option<usize>,
    claiming: bool,
    claim_after: u64,
    failures: u32,
    seen: usize,
    joining_until: u64,
    margin: usize,
}

struct World {
    c: SimConfig,
    now: u64,
    queue: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    seq: u64,
    inst: Vec<Inst>,
    lock_holder: Option<usize>,
    lock_waiters: VecDeque<usize>,
    rng: Jitter,
    report: SimReport,
}

impl World {
    fn at(&mut self, t: u64, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq, ev)));
    }

    fn used(&self) -> usize {
        self.inst.iter().map(|i| i.open + i.opening).sum()
    }

    fn limit(&self) -> usize {
        self.c.max_connections - self.c.superuser_reserved
    }

    /// Starts one attempt; the server refuses it at once when no slot is left.
    fn attempt(&mut self, i: usize, claimed: bool) -> bool {
        if self.used() >= self.limit() {
            self.report.refusals += 1;
            if self.inst[i].open == 0 && !claimed {
                self.report.first_connection_refusals += 1;
            }
            return false;
        }
        self.inst[i].opening += 1;
        self.report.peak = self.report.peak.max(self.used());
        self.report.overshoot = self.report.overshoot.max(self.used().saturating_sub(self.limit()));
        let t = self.now + self.c.connect;
        self.at(t, Ev::Opened(i, claimed));
        true
    }

    /// What [`FLEET_SQL`](crate::scaling::fleet::FLEET_SQL) would return to instance `i` now.
    fn snapshot(&self, i: usize) -> FleetSnapshot {
        let live: Vec<usize> = (0..self.inst.len()).filter(|&k| self.inst[k].open > 0).collect();
        FleetSnapshot {
            max_connections: self.c.max_connections,
            superuser_reserved: self.c.superuser_reserved,
            reserved: 0,
            others: 0,
            ours: self.inst.iter().map(|x| x.open).sum(),
            mine: self.inst[i].open,
            instances: live.len().max(1),
            rank: live.iter().filter(|&&k| k < i).count(),
            pending: self.inst.iter().map(|x| x.pending).sum(),
        }
    }

    fn wanted(&self, i: usize) -> usize {
        let x = &self.inst[i];
        self.c.wants.min(x.budget.unwrap_or(1)).saturating_sub(x.open + x.opening)
    }

    fn maybe_claim(&mut self, i: usize) {
        let x = &self.inst[i];
        if x.open > 0 && !x.claiming && self.now >= x.claim_after && self.wanted(i) > 0 {
            self.inst[i].claiming = true;
            let t = self.now + self.c.round_trip / 2;
            self.at(t, Ev::WantLock(i));
        }
    }

    /// Applies a reading like `apply_fleet`: the joining margin for 3 s after an instance
    /// appeared, and the fair share.
    fn apply(&mut self, i: usize, s: &FleetSnapshot) -> usize {
        let now = self.now;
        let x = &mut self.inst[i];
        if s.instances > x.seen {
            x.joining_until = now + 3_000_000;
        }
        x.seen = s.instances;
        x.margin = if now < x.joining_until { s.joining_margin(self.c.margin) } else { self.c.margin };
        let fair = s.fair_share(x.margin);
        x.budget = Some(fair);
        fair
    }

    fn read(&mut self, i: usize) {
        let s = self.snapshot(i);
        let fair = self.apply(i, &s);
        // Above the share: connections close as they come back (a few ms under load).
        let x = &mut self.inst[i];
        x.open = x.open.min(fair.max(1));
    }

    fn step(&mut self, ev: Ev) {
        match ev {
            Ev::Start(i) => {
                self.inst[i].started = true;
                if !self.attempt(i, false) {
                    self.refused(i);
                }
            }
            Ev::Retry(i) => {
                if self.inst[i].open == 0 && self.inst[i].opening == 0 {
                    if !self.attempt(i, false) {
                        self.refused(i);
                    }
                } else {
                    self.maybe_claim(i);
                }
            }
            Ev::Opened(i, claimed) => {
                let x = &mut self.inst[i];
                x.opening -= 1;
                x.open += 1;
                x.failures = 0;
                if claimed {
                    x.claimed_in_flight -= 1;
                    if x.claimed_in_flight == 0 {
                        let t = self.now + self.c.round_trip;
                        self.at(t, Ev::Unpend(i));
                    }
                } else {
                    // The first connection takes the first reading, then reads periodically.
                    self.read(i);
                    let t = self.now + self.c.round_trip;
                    self.at(t, Ev::Read(i));
                    self.maybe_claim(i);
                }
            }
            Ev::Read(i) => {
                self.read(i);
                let t = self.now + 500_000;
                self.at(t, Ev::Read(i));
                self.maybe_claim(i);
            }
            Ev::WantLock(i) => {
                if self.lock_holder.is_none() {
                    self.lock_holder = Some(i);
                    let t = self.now + self.c.round_trip;
                    self.at(t, Ev::Grant(i));
                } else {
                    self.lock_waiters.push_back(i);
                }
            }
            Ev::Grant(i) => {
                self.report.claims += 1;
                let s = self.snapshot(i);
                self.apply(i, &s);
                let wanted = self.wanted(i);
                let x = &self.inst[i];
                let granted = s.grant(x.margin, wanted, x.open + x.opening);
                if granted < wanted {
                    let spread = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    self.inst[i].claim_after = self.now + (150_000.0 * (1.0 + spread)) as u64;
                }
                // Recording the pending slots and COMMIT: one more round trip under the lock.
                self.inst[i].pending = granted;
                let t = self.now + self.c.round_trip;
                self.at(t, Ev::Release(i, granted));
            }
            Ev::Release(i, granted) => {
                self.lock_holder = self.lock_waiters.pop_front();
                if let Some(next) = self.lock_holder {
                    let t = self.now + self.c.round_trip;
                    self.at(t, Ev::Grant(next));
                }
                let mut opened = 0;
                for _ in 0..granted {
                    if self.attempt(i, true) {
                        opened += 1;
                    }
                }
                self.inst[i].claimed_in_flight = opened;
                self.report.claimed += opened as u64;
                if opened == 0 {
                    let t = self.now + self.c.round_trip;
                    self.at(t, Ev::Unpend(i));
                }
                if opened < granted {
                    self.refused(i);
                }
            }
            Ev::Unpend(i) => {
                let x = &mut self.inst[i];
                x.pending = 0;
                x.claiming = false;
                self.maybe_claim(i);
            }
        }
    }

    fn refused(&mut self, i: usize) {
        let x = &mut self.inst[i];
        x.failures += 1;
        let delay = backoff(x.failures, self.rng.next_u64()).as_micros() as u64;
        let t = self.now + delay;
        self.at(t, Ev::Retry(i));
    }

    /// Whether every live instance is within 0.5×–1.5× of an equal share now.
    fn fair_now(&self) -> bool {
        let n = self.c.instances;
        let usable = (self.c.max_connections - self.c.superuser_reserved - self.c.margin) as f64;
        let equal = (usable / n as f64).min(self.c.wants as f64);
        self.inst.iter().all(|x| (x.open as f64) >= 0.5 * equal && (x.open as f64) <= 1.5 * equal)
    }
}

/// Runs one simulation.
pub fn simulate(c: SimConfig) -> SimReport {
    let mut w = World {
        c,
        now: 0,
        queue: BinaryHeap::new(),
        seq: 0,
        inst: vec![Inst::default(); c.instances],
        lock_holder: None,
        lock_waiters: VecDeque::new(),
        rng: Jitter::seeded(c.seed),
        report: SimReport {
            refusals: 0,
            first_connection_refusals: 0,
            peak: 0,
            limit: c.max_connections - c.superuser_reserved,
            overshoot: 0,
            claimed: 0,
            claims: 0,
            time_to_fair: None,
            final_range: (0, 0, 0.0),
        },
    };
    let mut last_start = 0;
    for i in 0..c.instances {
        let t = w.rng.next_u64() % c.start_window;
        last_start = last_start.max(t);
        w.at(t, Ev::Start(i));
    }
    let mut fair_since: Option<u64> = None;
    while let Some(Reverse((t, _, ev))) = w.queue.pop() {
        if t > c.duration {
            break;
        }
        w.now = w.now.max(t);
        w.step(ev);
        if w.now >= last_start {
            match (w.fair_now(), fair_since) {
                (true, None) => fair_since = Some(w.now),
                (false, Some(_)) => fair_since = None,
                _ => {}
            }
        }
    }
    let usable = (c.max_connections - c.superuser_reserved - c.margin) as f64;
    let sizes = w.inst.iter().map(|x| x.open);
    w.report.final_range = (sizes.clone().min().unwrap_or(0), sizes.max().unwrap_or(0), usable / c.instances as f64);
    w.report.time_to_fair = fair_since.map(|t| t.saturating_sub(last_start));
    w.report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulation_is_deterministic() {
        let c = SimConfig { duration: 3_000_000, ..SimConfig::saturday(12, 100) };
        assert_eq!(simulate(c), simulate(c));
    }

    #[test]
    fn a_dozen_instances_never_overshoot_and_reach_fair_shares() {
        let r = simulate(SimConfig { duration: 5_000_000, ..SimConfig::saturday(12, 100) });
        assert_eq!(r.overshoot, 0, "{r:?}");
        assert!(r.time_to_fair.is_some_and(|t| t <= 2_000_000), "{r:?}");
    }

    #[test]
    fn fleets_starting_within_a_second_see_no_refusal_and_fair_shares_within_two_seconds() {
        for (n, max) in [(12, 100), (32, 100), (100, 500)] {
            let r = simulate(SimConfig { duration: 4_000_000, ..SimConfig::saturday(n, max) });
            assert_eq!((r.refusals, r.overshoot), (0, 0), "{n} instances: {r:?}");
            assert!(r.time_to_fair.is_some_and(|t| t <= 2_000_000), "{n} instances: {r:?}");
        }
    }

    /// The figures in the README (fleet section).
    #[test]
    #[ignore = "prints the simulated fleet report; run with --ignored --nocapture"]
    fn report() {
        println!("instances | max_connections | equal share | refusals (first connections) | peak / limit | claims | claimed | time to fair share after the last start | final sizes");
        for (n, max) in [(12, 100), (32, 100), (100, 500), (1_000, 3_000)] {
            let r = simulate(SimConfig::saturday(n, max));
            println!(
                "{n} | {max} | {:.1} | {} ({}) | {} / {} | {} | {} | {} | {}–{}",
                r.final_range.2,
                r.refusals,
                r.first_connection_refusals,
                r.peak,
                r.limit,
                r.claims,
                r.claimed,
                r.time_to_fair.map_or("never".to_string(), |t| format!("{} ms", t / 1000)),
                r.final_range.0,
                r.final_range.1,
            );
        }
    }
}
