//! Admission against a real server: priorities, the reserve, timeouts, cancellation, end.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{pool_with, saturday, wednesday};
use wedpool_core::{Acquired, DatabaseContext, PoolError};

fn ctx(active: bool, wedding_day: Option<bool>, critical_op: bool, wedding_critical: bool) -> DatabaseContext {
    DatabaseContext {
        is_active_wedding: active,
        is_wedding_day: wedding_day,
        is_critical_operation: critical_op,
        is_wedding_critical: wedding_critical,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_connection_goes_to_the_highest_priority_waiter() {
    let pool = pool_with(|o| {
        o.base_pool_size_mut().max = Some(1.0);
        o.priority_aging_per_second = Some(0.0);
    });
    pool.set_calendar_time(Some(wednesday()));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (name, c) in [
        ("low", ctx(false, None, false, false)),
        ("mid", ctx(false, Some(true), false, false)),
        ("high", ctx(true, None, false, false)),
    ] {
        let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&c).unwrap() else { panic!("pool is full") };
        let (pool, order) = (pool.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            let lease = pool.wait(ticket, None).await.unwrap();
            order.lock().unwrap().push(name);
            drop(lease);
        }));
    }
    assert_eq!(pool.stats().waiting, 3);
    drop(held);
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), ["high", "mid", "low"]);
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn critical_request_takes_reserved_slot_while_pool_saturated() {
    let pool = pool_with(|o| {
        o.base_pool_size_mut().max = Some(4.0);
        o.emergency_reserved_connections = Some(1.0);
        o.wedding_day_multiplier = Some(1.0);
    });
    pool.set_calendar_time(Some(saturday()));
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(pool.acquire(&DatabaseContext::default(), None).await.unwrap());
    }
    let normal = pool.acquire(&DatabaseContext::default(), Some(Duration::from_millis(200))).await;
    assert!(matches!(normal, Err(PoolError::AcquireTimeout { .. })), "normal callers are capped at max − reserve");
    let critical = pool.acquire(&ctx(false, None, false, true), Some(Duration::from_secs(5))).await.unwrap();
    assert!(critical.reserved());
    assert_eq!(pool.stats().reserved.in_use, 1);
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_is_closed_to_critical_requests_off_a_wedding_day() {
    let pool = pool_with(|o| {
        o.base_pool_size_mut().max = Some(2.0);
        o.emergency_reserved_connections = Some(1.0);
    });
    pool.set_calendar_time(Some(wednesday()));
    let _held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let critical = pool.acquire(&ctx(false, None, false, true), Some(Duration::from_millis(150))).await;
    assert!(matches!(critical, Err(PoolError::AcquireTimeout { .. })));
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_timeout_reports_stats_and_waited_time() {
    let pool = pool_with(|o| o.base_pool_size_mut().max = Some(1.0));
    pool.set_calendar_time(Some(wednesday()));
    let _held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    match pool.acquire(&DatabaseContext::default(), Some(Duration::from_millis(120))).await {
        Err(PoolError::AcquireTimeout { waited, stats, .. }) => {
            assert!(waited >= Duration::from_millis(110), "{waited:?}");
            assert_eq!((stats.size, stats.in_use, stats.max_size), (1, 1, 1));
        }
        other => panic!("expected a timeout, got {:?}", other.err()),
    }
    assert_eq!(pool.stats().timeouts, 1);
    assert_eq!(pool.stats().waiting, 0);
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_waiter_is_removed_at_once() {
    let pool = pool_with(|o| o.base_pool_size_mut().max = Some(1.0));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap() else { panic!() };
    assert!(pool.cancel(ticket));
    assert!(!pool.cancel(ticket), "a ticket is cancelled once");
    assert!(matches!(pool.wait(ticket, None).await, Err(PoolError::Aborted)));
    assert_eq!(pool.stats().waiting, 0);
    drop(held);
    assert_eq!(pool.stats().idle, 1);
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_rejects_waiters_and_closes_connections() {
    let pool = pool_with(|o| o.base_pool_size_mut().max = Some(1.0));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap() else { panic!() };
    pool.end();
    assert!(matches!(pool.wait(ticket, None).await, Err(PoolError::PoolClosed)));
    assert!(matches!(pool.acquire(&DatabaseContext::default(), None).await, Err(PoolError::PoolClosed)));
    drop(held);
    assert_eq!(pool.stats().size, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_callers_never_exceed_max() {
    let pool = pool_with(|o| o.base_pool_size_mut().max = Some(10.0));
    pool.set_calendar_time(Some(wednesday()));
    let peak = Arc::new(Mutex::new(0usize));
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (pool, peak) = (pool.clone(), peak.clone());
        tasks.push(tokio::spawn(async move {
            let c = ctx(i % 5 == 0, None, i % 3 == 0, false);
            let lease = pool.acquire(&c, Some(Duration::from_secs(60))).await.unwrap();
            let s = pool.stats();
            {
                let mut p = peak.lock().unwrap();
                *p = (*p).max(s.size.max(s.in_use));
            }
            lease.query("select 1", &[]).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Connections opened for callers that a release served first may still be arriving.
    for _ in 0..500 {
        if pool.stats().pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = pool.stats();
    assert!(*peak.lock().unwrap() <= 10);
    assert_eq!((stats.in_use, stats.waiting, stats.pending), (0, 0, 0));
    assert!(stats.size <= 10);
    assert_eq!(stats.acquired, 1000);
    pool.end();
}
