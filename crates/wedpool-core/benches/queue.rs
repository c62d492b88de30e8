//! Criterion benches for `WaitQueue` (crates/wedpool-core/src/queue.rs), public API only.
//!
//! A queue of 10, 1,000 or 100,000 waiters is built once per size and kept at that size:
//! each measured iteration is a pair of operations, so nothing grows or drains.
//! * `push_pop_best`: push a newcomer, then remove the best waiter (what a release does).
//! * `push_cancel`: push a newcomer, then remove a pseudo-random queued waiter by ticket
//!   (what an AbortSignal or a timeout does).
//!
//! Priorities mix the real classes (100 / 600 / 1,100 / 1,600 / 1,900); 1 in 20 waiters may
//! use the reserve. Arrival times come from a synthetic clock (1 µs apart) so `Instant::now()`
//! is not part of the measurement. Run: `cargo bench -p wedpool-core --bench queue`.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wedpool_core::{Ticket, WaitQueue};

const SIZES: [usize; 3] = [10, 1_000, 100_000];
const PRIORITIES: [i64; 5] = [100, 600, 1_100, 1_600, 1_900];

/// Deterministic xorshift so every run queues the same waiters.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A queue holding `n` waiters, their tickets, and the synthetic clock's next tick.
fn filled(n: usize, rng: &mut Rng) -> (WaitQueue<u64>, Vec<Ticket>, Instant, u64) {
    let epoch = Instant::now();
    let mut queue = WaitQueue::new(100.0, epoch);
    let mut tickets = Vec::with_capacity(n);
    for i in 0..n as u64 {
        tickets.push(push_one(&mut queue, rng, epoch, i));
    }
    (queue, tickets, epoch, n as u64)
}

fn push_one(queue: &mut WaitQueue<u64>, rng: &mut Rng, epoch: Instant, tick: u64) -> Ticket {
    let r = rng.next();
    let priority = PRIORITIES[(r % 5) as usize];
    let may_use_reserve = r.is_multiple_of(20);
    queue.push(priority, may_use_reserve, epoch + Duration::from_micros(tick), tick)
}

fn bench_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("wait_queue");
    for &n in &SIZES {
        group.bench_with_input(BenchmarkId::new("push_pop_best", n), &n, |b, &n| {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            let (mut queue, _, epoch, mut tick) = filled(n, &mut rng);
            b.iter(|| {
                push_one(&mut queue, &mut rng, epoch, tick);
                tick += 1;
                let head = queue.best().expect("queue is never empty");
                black_box(queue.remove(head.ticket))
            });
        });
        group.bench_with_input(BenchmarkId::new("push_cancel", n), &n, |b, &n| {
            let mut rng = Rng(0xD1B5_4A32_D192_ED03);
            let (mut queue, mut tickets, epoch, mut tick) = filled(n, &mut rng);
            b.iter(|| {
                let slot = (rng.next() % tickets.len() as u64) as usize;
                let cancelled = queue.remove(tickets[slot]);
                tickets[slot] = push_one(&mut queue, &mut rng, epoch, tick);
                tick += 1;
                black_box(cancelled)
            });
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500))
}

criterion_group! { name = benches; config = config(); targets = bench_queue }
criterion_main!(benches);
