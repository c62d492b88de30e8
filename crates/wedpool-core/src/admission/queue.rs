//! The wait queue: waiters ordered by effective priority, FIFO among equals.
//!
//! Effective priority is `priority + aging_per_second × seconds waited`. Every waiter ages at
//! the same rate, so the order between two waiters never changes while they wait: comparing
//! `p₁ + a(now − t₁)` with `p₂ + a(now − t₂)` is comparing `p₁ − a·t₁` with `p₂ − a·t₂`. The
//! queue therefore stores that time-independent rank once, in ordered maps, and every operation
//! is `O(log n)`. Waiters allowed to use the emergency reserve sit in their own map so the best
//! of them can be found when only a reserved slot is free.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Identifies a waiter; handed to the caller so it can cancel.
pub type Ticket = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    /// `priority·1000 − aging·(arrival in ms)`; higher is served first.
    rank: i64,
    /// Arrival order; lower is served first among equal ranks.
    ticket: Ticket,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        other.rank.cmp(&self.rank).then(self.ticket.cmp(&other.ticket))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A waiter as the queue reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The waiter's ticket.
    pub ticket: Ticket,
    /// Whether it may use the emergency reserve.
    pub may_use_reserve: bool,
}

/// A priority queue of waiters carrying values of type `T`.
#[derive(Debug)]
pub struct WaitQueue<T> {
    epoch: Instant,
    aging_per_second: f64,
    next_ticket: Ticket,
    normal: BTreeMap<Key, T>,
    reserve_eligible: BTreeMap<Key, T>,
    index: HashMap<Ticket, (Key, bool)>,
}

impl<T> WaitQueue<T> {
    /// An empty queue. `aging_per_second` is how much effective priority a waiter gains for
    /// each second it waits (0 turns aging off). `epoch` is any instant not after the first push.
    pub fn new(aging_per_second: f64, epoch: Instant) -> Self {
        WaitQueue {
            epoch,
            aging_per_second: aging_per_second.max(0.0),
            next_ticket: 1,
            normal: BTreeMap::new(),
            reserve_eligible: BTreeMap::new(),
            index: HashMap::new(),
        }
    }

    /// Adds a waiter that arrived at `now` and returns its ticket.
    pub fn push(&mut self, priority: i64, may_use_reserve: bool, now: Instant, value: T) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let arrival_ms = now.saturating_duration_since(self.epoch).as_secs_f64() * 1000.0;
        let rank = priority.saturating_mul(1000).saturating_sub((self.aging_per_second * arrival_ms).round() as i64);
        let key = Key { rank, ticket };
        self.map_mut(may_use_reserve).insert(key, value);
        self.index.insert(ticket, (key, may_use_reserve));
        ticket
    }

    /// Removes a waiter by ticket; `None` when it is no longer queued.
    pub fn remove(&mut self, ticket: Ticket) -> Option<T> {
        let (key, eligible) = self.index.remove(&ticket)?;
        self.map_mut(eligible).remove(&key)
    }

    /// The waiter that should be served first, whatever slot it needs.
    pub fn best(&self) -> Option<Head> {
        pick(self.normal.keys().next(), self.reserve_eligible.keys().next(), Ordering::Less)
    }

    /// The best waiter among those allowed to use the emergency reserve.
    pub fn best_reserve_eligible(&self) -> Option<Head> {
        self.reserve_eligible.keys().next().map(|k| Head { ticket: k.ticket, may_use_reserve: true })
    }

    /// The waiter that would be served last (the one to shed first when the queue is full).
    pub fn worst(&self) -> Option<Head> {
        pick(self.normal.keys().next_back(), self.reserve_eligible.keys().next_back(), Ordering::Greater)
    }

    /// The effective priority of a queued waiter at `now`.
    pub fn effective_priority(&self, ticket: Ticket, now: Instant) -> Option<f64> {
        let (key, _) = self.index.get(&ticket)?;
        let now_ms = now.saturating_duration_since(self.epoch).as_secs_f64() * 1000.0;
        Some((key.rank as f64 + self.aging_per_second * now_ms) / 1000.0)
    }

    /// The value queued under `ticket`.
    pub fn get(&self, ticket: Ticket) -> Option<&T> {
        let (key, eligible) = self.index.get(&ticket)?;
        if *eligible {
            self.reserve_eligible.get(key)
        } else {
            self.normal.get(key)
        }
    }

    /// Number of queued waiters.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Number of queued waiters allowed to use the reserve.
    pub fn reserve_eligible_len(&self) -> usize {
        self.reserve_eligible.len()
    }

    /// Whether `ticket` is still queued.
    pub fn contains(&self, ticket: Ticket) -> bool {
        self.index.contains_key(&ticket)
    }

    /// Removes and returns the waiters for which `remove` is true, best first.
    pub fn remove_where(&mut self, mut remove: impl FnMut(&T) -> bool) -> Vec<T> {
        let tickets: Vec<Ticket> = self
            .normal
            .iter()
            .chain(self.reserve_eligible.iter())
            .filter(|(_, v)| remove(v))
            .map(|(k, _)| k.ticket)
            .collect();
        let mut keys: Vec<(Key, Ticket)> =
            tickets.iter().filter_map(|t| self.index.get(t).map(|(k, _)| (*k, *t))).collect();
        keys.sort();
        keys.into_iter().filter_map(|(_, t)| self.remove(t)).collect()
    }

    /// Every queued waiter's value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.normal.values().chain(self.reserve_eligible.values())
    }

    /// Removes every waiter, best first.
    pub fn drain(&mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(head) = self.best() {
            if let Some(value) = self.remove(head.ticket) {
                out.push(value);
            }
        }
        out
    }

    fn map_mut(&mut self, may_use_reserve: bool) -> &mut BTreeMap<Key, T> {
        if may_use_reserve {
            &mut self.reserve_eligible
        } else {
            &mut self.normal
        }
    }
}

/// Of a normal and a reserve-eligible candidate, the one that compares `wanted` against the
/// other (`Less`: served first; `Greater`: served last).
fn pick(normal: Option<&Key>, eligible: Option<&Key>, wanted: Ordering) -> Option<Head> {
    let head = |k: &Key, may_use_reserve: bool| Head { ticket: k.ticket, may_use_reserve };
    match (normal, eligible) {
        (None, None) => None,
        (Some(n), None) => Some(head(n, false)),
        (None, Some(e)) => Some(head(e, true)),
        (Some(n), Some(e)) => Some(if e.cmp(n) == wanted { head(e, true) } else { head(n, false) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pop_all(q: &mut WaitQueue<&'static str>) -> Vec<&'static str> {
        q.drain()
    }

    #[test]
    fn serves_highest_priority_first() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(100, false, t0, "low");
        q.push(600, false, t0, "mid");
        q.push(1600, false, t0, "high");
        assert_eq!(pop_all(&mut q), ["high", "mid", "low"]);
    }

    #[test]
    fn equal_priorities_are_fifo() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(100.0, t0);
        for (i, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
            q.push(100, false, t0 + Duration::from_millis(i as u64), name);
        }
        assert_eq!(pop_all(&mut q), ["a", "b", "c", "d"]);
    }

    #[test]
    fn same_instant_equal_priority_keeps_arrival_order() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(100, false, t0, "first");
        q.push(100, true, t0, "second");
        q.push(100, false, t0, "third");
        assert_eq!(pop_all(&mut q), ["first", "second", "third"]);
    }

    #[test]
    fn aging_lets_a_long_waiting_low_priority_caller_win() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(100.0, t0);
        q.push(100, false, t0, "patient");
        // 600 points higher but arriving 7 s later: the patient caller has aged 700.
        q.push(700, false, t0 + Duration::from_secs(7), "latecomer");
        assert_eq!(pop_all(&mut q), ["patient", "latecomer"]);
    }

    #[test]
    fn without_aging_priority_always_wins() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(100, false, t0, "patient");
        q.push(101, false, t0 + Duration::from_secs(3600), "latecomer");
        assert_eq!(pop_all(&mut q), ["latecomer", "patient"]);
    }

    #[test]
    fn effective_priority_grows_while_waiting() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(100.0, t0);
        let t = q.push(100, false, t0 + Duration::from_secs(1), ());
        let p = q.effective_priority(t, t0 + Duration::from_secs(3)).unwrap();
        assert!((p - 300.0).abs() < 1e-6, "{p}");
    }

    #[test]
    fn removed_waiters_are_not_served() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        let a = q.push(100, false, t0, "a");
        q.push(100, false, t0, "b");
        assert_eq!(q.remove(a), Some("a"));
        assert_eq!(q.remove(a), None);
        assert!(!q.contains(a));
        assert_eq!(pop_all(&mut q), ["b"]);
    }

    #[test]
    fn best_reserve_eligible_skips_normal_waiters() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(2000, false, t0, "vip-normal");
        let critical = q.push(100, true, t0, "critical");
        assert!(!q.best().unwrap().may_use_reserve);
        assert_eq!(q.best_reserve_eligible().unwrap().ticket, critical);
        assert_eq!(q.reserve_eligible_len(), 1);
    }

    #[test]
    fn worst_is_lowest_priority_latest_arrival() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(100, false, t0, "old-low");
        let newest_low = q.push(100, true, t0, "new-low");
        q.push(900, false, t0, "high");
        assert_eq!(q.worst().unwrap().ticket, newest_low);
    }

    #[test]
    fn remove_where_takes_only_matching_waiters_best_first() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        q.push(100, false, t0, 1);
        q.push(900, true, t0, 2);
        q.push(500, false, t0, 3);
        q.push(700, false, t0, 4);
        assert_eq!(q.remove_where(|v| v % 2 == 0), vec![2, 4]);
        assert_eq!(q.drain(), vec![3, 1]);
    }

    #[test]
    fn hundred_thousand_waiters_drain_in_order() {
        let t0 = Instant::now();
        let mut q = WaitQueue::new(0.0, t0);
        for i in 0..100_000i64 {
            q.push(i % 7, i % 3 == 0, t0, i);
        }
        let drained = q.drain();
        assert_eq!(drained.len(), 100_000);
        for pair in drained.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a % 7 > b % 7 || (a % 7 == b % 7 && a < b));
        }
    }
}
