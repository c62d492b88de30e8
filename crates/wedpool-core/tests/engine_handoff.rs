//! The engine on the fake server and tokio's paused clock: hand-off, the reserve, shedding.

mod engine_support;
mod fake;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine_support::{
    active_wedding, critical_operation, fake_pool, pass, saturday, saturday_weddings, sized, wedding_critical,
    wednesday, Recorder,
};
use fake::{Answer, FakeServer};
use wedpool_core::{Acquired, ConnectErrorKind, DatabaseContext, PoolError, RemoveReason};

#[tokio::test(start_paused = true)]
async fn a_connection_opens_through_the_connector_and_is_reused() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(2.0));
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
        o.base_pool_size_mut().max = Some(1.0);
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
        o.base_pool_size_mut().max = Some(2.0);
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
        o.base_pool_size_mut().max = Some(1.0);
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
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let _held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let started = tokio::time::Instant::now();
    let err = pool.acquire(&DatabaseContext::default(), Some(Duration::from_millis(750))).await.unwrap_err();
    assert!(matches!(err, PoolError::AcquireTimeout { .. }), "{err:?}");
    assert_eq!(started.elapsed(), Duration::from_millis(750), "paused time: exactly the deadline");
}

#[tokio::test(start_paused = true)]
async fn a_connection_handed_to_a_caller_who_cancelled_before_waiting_goes_back_to_the_pool() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&DatabaseContext::default()).unwrap() else { panic!() };
    drop(held);
    assert!(!pool.cancel(ticket), "already served");
    let stats = pool.stats();
    assert_eq!((stats.idle, stats.in_use), (1, 0));
    assert!(matches!(pool.wait(ticket, None).await, Err(PoolError::Aborted)));
    pool.acquire(&DatabaseContext::default(), Some(Duration::from_millis(10))).await.expect("the connection is free");
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_dies_while_lent_is_closed_as_broken_on_release_and_replaced() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| sized(o, 1.0, 1.0));
    let events = Recorder::on(&pool);
    let lease = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let dead = lease.process_id();
    server.close(dead);
    pass(Duration::from_millis(10)).await;
    assert!(events.removed().is_empty(), "still lent");
    drop(lease);
    assert_eq!(events.removed(), vec![RemoveReason::Broken]);
    let again = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    assert_ne!(again.process_id(), dead);
}

#[tokio::test(start_paused = true)]
async fn ready_fails_with_the_connect_error_and_with_pool_closed_when_ended_meanwhile() {
    let server = FakeServer::new();
    server.script([Answer::RejectPassword, Answer::Hang]);
    let pool = fake_pool(&server, |o| sized(o, 1.0, 1.0));
    let err = pool.ready().await.unwrap_err();
    assert!(matches!(err, PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. }), "{err:?}");
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { pool.ready().await }
    });
    pass(Duration::from_millis(10)).await;
    pool.end();
    assert!(matches!(waiting.await.unwrap(), Err(PoolError::PoolClosed)));
}
