//! The engine on the fake server and tokio's paused clock: the emergency reserve's accounting
//! while every ordinary slot is taken.

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, ordinary, saturday, saturday_weddings, wedding_critical, wednesday};
use fake::FakeServer;
use wedpool_core::{Acquired, PoolError};

#[tokio::test(start_paused = true)]
async fn under_saturation_the_reserve_serves_wedding_critical_callers_only_and_is_counted_apart() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.base_pool_size_mut().max = Some(3.0);
        o.emergency_reserved_connections = Some(1.0);
        saturday_weddings(o, 1.0);
    });
    pool.set_calendar_time(Some(saturday()));
    let ordinary_leases =
        [pool.acquire(&ordinary(), None).await.unwrap(), pool.acquire(&ordinary(), None).await.unwrap()];
    let Acquired::Queued(waiting) = pool.acquire_or_enqueue(&ordinary()).unwrap() else {
        panic!("the ordinary slots are all taken")
    };
    let first_critical = pool.acquire(&wedding_critical(), None).await.unwrap();
    assert!(first_critical.reserved());
    let Acquired::Queued(second_critical) = pool.acquire_or_enqueue(&wedding_critical()).unwrap() else {
        panic!("the reserve is taken too")
    };
    let stats = pool.stats();
    assert_eq!((stats.in_use, stats.waiting, stats.reserved.in_use), (3, 2, 1));
    drop(first_critical);
    let second = pool.wait(second_critical, Some(Duration::from_secs(1))).await.unwrap();
    assert!(second.reserved(), "the reserved connection goes to the critical waiter");
    drop(second);
    let stats = pool.stats();
    assert_eq!((stats.reserved.in_use, stats.reserved.idle, stats.waiting), (0, 1, 1), "kept for the next emergency");
    let err = pool.wait(waiting, Some(Duration::from_millis(500))).await.unwrap_err();
    assert!(matches!(err, PoolError::AcquireTimeout { .. }), "never to an ordinary caller: {err:?}");
    drop(ordinary_leases);
    assert_eq!((pool.stats().in_use, pool.stats().reserved.in_use), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn off_a_wedding_day_wedding_critical_callers_share_the_ordinary_slots() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.base_pool_size_mut().max = Some(2.0);
        o.emergency_reserved_connections = Some(1.0);
        o.wedding_calendar_mut().weekdays = Some(vec!["saturday".into()]);
    });
    pool.set_calendar_time(Some(wednesday()));
    let held = pool.acquire(&ordinary(), None).await.unwrap();
    let err = pool.acquire(&wedding_critical(), Some(Duration::from_millis(200))).await.unwrap_err();
    assert!(matches!(err, PoolError::AcquireTimeout { .. }), "the reserve is for wedding days: {err:?}");
    assert_eq!(pool.stats().reserved.in_use, 0);
    drop(held);
}
