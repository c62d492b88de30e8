//! The engine on the fake server and tokio's paused clock: hand-off, the reserve, shedding.

mod engine_support;
mod fake;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine_support::{
    active_wedding, critical_operation, fake_pool, pass, saturday, saturday_weddings, wedding_critical, wednesday,
};
use fake::FakeServer;
use wedpool_core::{Acquired, DatabaseContext, PoolError};

#[tokio::test(start_paused = true)]
async fn a_connection_opens_through_the_connector_and_is_reused() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.max = Some(2.0));
    let first = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let pid = first.process_id();
    assert_eq!(server.open_pids(), vec![pid]);
    drop(first);
    let again = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    assert_eq!(again.process_id(), pid, "the idle connection is handed out again");
    assert_eq!(server.attempts().len(), 1);
    assert!(server.queries().iter().any(|q| q.contains("pg_backend_pid")));
}

#[tokio::test(start_paused = true)]
async fn released_connection_goes_to_the_highest_priority_waiter() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.max = Some(1.0);
        o.priority_aging_per_second = Some(0.0);
    });
    pool.set_calendar_time(Some(wednesday()));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (name, ctx) in
        [("normal", DatabaseContext::default()), ("critical op", critical_operation()), ("wedding", active_wedding())]
    {
        let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&ctx).unwrap() else { panic!("the pool is full") };
        let (pool, order) = (pool.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            let lease = pool.wait(ticket, None).await.unwrap();
            order.lock().unwrap().push(name);
            pass(Duration::from_millis(10)).await;
            drop(lease);
        }));
    }
    drop(held);
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), vec!["wedding", "critical op", "normal"]);
    assert_eq!(server.attempts().len(), 1, "one connection served everyone");
}

#[tokio::test(start_paused = true)]
async fn the_reserve_is_kept_for_wedding_critical_work_on_a_wedding_day() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.max = Some(2.0);
        o.emergency_reserved_connections = Some(1.0);
        saturday_weddings(o, 1.0);
    });
    pool.set_calendar_time(Some(saturday()));
    let normal = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    assert!(!normal.reserved());
    let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap() else {
        panic!("an ordinary caller must not take the reserved slot")
    };
    let critical = pool.acquire(&wedding_critical(), Some(Duration::from_secs(1))).await.unwrap();
    assert!(critical.reserved());
    assert_eq!(pool.stats().reserved.in_use, 1);
    drop(critical);
    assert!(pool.cancel(ticket));
    drop(normal);
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_sheds_the_lowest_priority_caller() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.max = Some(1.0);
        o.max_waiting = Some(1.0);
    });
    pool.set_calendar_time(Some(wednesday()));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let Acquired::Queued(low) = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap() else { panic!() };
    let Acquired::Queued(high) = pool.acquire_or_enqueue(&active_wedding()).unwrap() else { panic!() };
    let refused = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap_err();
    assert!(matches!(refused, PoolError::PoolOverloaded { .. }), "an equal newcomer is refused: {refused:?}");
    let shed = pool.wait(low, Some(Duration::from_secs(1))).await.unwrap_err();
    assert!(matches!(shed, PoolError::PoolOverloaded { .. }), "{shed:?}");
    assert_eq!(pool.stats().shed, 2);
    drop(held);
    let lease = pool.wait(high, Some(Duration::from_secs(1))).await.unwrap();
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn an_acquire_times_out_at_its_deadline_with_the_pool_shape() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.max = Some(1.0));
    let _held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let started = tokio::time::Instant::now();
    let err = pool.acquire(&DatabaseContext::default(), Some(Duration::from_millis(750))).await.unwrap_err();
    assert!(matches!(err, PoolError::AcquireTimeout { .. }), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_millis(750), "paused time: exactly the deadline");
}
