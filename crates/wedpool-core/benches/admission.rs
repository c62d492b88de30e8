//! Criterion benches for the admission decision, public API only: "which waiter gets the
//! connection that just became free, and which slot does it take?" — `WaitQueue::best`,
//! `WaitQueue::best_reserve_eligible` and `Reservations::available_for`, combined exactly as
//! `PoolState::next_servable` combines them (crates/wedpool-core/src/state.rs).
//!
//! Queues of 10, 1,000 and 100,000 waiters (1 in 20 reserve-eligible) against three slot
//! states of a pool of 10 with a reserve of 2: a normal slot free; only a reserved slot free
//! (the decision must look past the best waiter for a reserve-eligible one); nothing free.
//! Run: `cargo bench -p wedpool-core --bench admission`.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wedpool_core::{Reservations, SlotKind};
use wedpool_core::{Ticket, WaitQueue};

const SIZES: [usize; 3] = [10, 1_000, 100_000];

/// Mirrors `PoolState::next_servable`.
fn admit<T>(queue: &WaitQueue<T>, slots: &Reservations) -> Option<(Ticket, SlotKind)> {
    let best = queue.best()?;
    if let Some(slot) = slots.available_for(best.may_use_reserve) {
        return Some((best.ticket, slot));
    }
    let eligible = queue.best_reserve_eligible()?;
    slots.available_for(true).map(|slot| (eligible.ticket, slot))
}

fn queue_of(n: usize) -> WaitQueue<u64> {
    let epoch = Instant::now();
    let mut queue = WaitQueue::new(100.0, epoch);
    for i in 0..n as u64 {
        let priority = [100, 600, 1_100, 1_600][(i % 4) as usize];
        queue.push(priority, i % 20 == 7, epoch + Duration::from_micros(i), i);
    }
    queue
}

/// Pool of 10 with a reserve of 2 and `normal`/`reserved` slots taken.
fn slots(normal: usize, reserved: usize) -> Reservations {
    let mut r = Reservations::new(10, 2);
    (0..normal).for_each(|_| r.take(SlotKind::Normal));
    (0..reserved).for_each(|_| r.take(SlotKind::Reserved));
    r
}

fn bench_admission(c: &mut Criterion) {
    let states =
        [("normal_slot_free", slots(7, 0)), ("only_reserved_free", slots(8, 1)), ("nothing_free", slots(8, 2))];
    let mut group = c.benchmark_group("admission");
    for &n in &SIZES {
        let queue = queue_of(n);
        for (name, reservations) in &states {
            group.bench_with_input(BenchmarkId::new(*name, n), &n, |b, _| {
                b.iter(|| admit(black_box(&queue), black_box(reservations)))
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500))
}

criterion_group! { name = benches; config = config(); targets = bench_admission }
criterion_main!(benches);
