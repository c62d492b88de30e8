//! The engine on the fake server and tokio's paused clock: ending the pool at once, and
//! draining it with a deadline.

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, ordinary, sized, Recorder};
use fake::FakeServer;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use wedpool_core::{Acquired, Lease, PoolError, RemoveReason};

/// Runs `sql` on `lease` in a task, and lets it reach the server.
async fn in_background(lease: Lease, sql: &'static str) -> JoinHandle<Result<(), PoolError>> {
    let task = tokio::spawn(async move { lease.query(sql, &[]).await.map(|_| ()) });
    tokio::task::yield_now().await;
    task
}

#[tokio::test(start_paused = true)]
async fn end_closes_idle_connections_at_once_and_the_ones_in_use_when_released() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| sized(o, 2.0, 2.0));
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    pool.end();
    assert_eq!(events.removed(), vec![RemoveReason::PoolEnded], "the idle one");
    assert!(matches!(pool.acquire(&ordinary(), None).await, Err(PoolError::PoolClosed)));
    lease.query("SELECT 1", &[]).await.expect("a lease keeps working until released");
    drop(lease);
    assert_eq!(events.removed(), vec![RemoveReason::PoolEnded; 2]);
    tokio::task::yield_now().await;
    assert_eq!(pool.stats().size, 0);
    assert!(server.open_pids().is_empty(), "the server saw both close");
}

#[tokio::test(start_paused = true)]
async fn end_fails_queued_callers_with_pool_closed() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let _held = pool.acquire(&ordinary(), None).await.unwrap();
    let Acquired::Queued(ticket) = pool.acquire_or_enqueue(&ordinary()).unwrap() else { panic!("the pool is full") };
    pool.end();
    assert!(matches!(pool.wait(ticket, None).await, Err(PoolError::PoolClosed)));
    assert!(pool.is_closed());
}

#[tokio::test(start_paused = true)]
async fn drain_waits_for_statements_in_flight_to_finish() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(2.0));
    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    let running = in_background(lease, "SELECT pg_sleep(1)").await;
    let started = Instant::now();
    assert_eq!(pool.drain(Duration::from_secs(5)).await, 0, "nothing had to be stopped");
    assert_eq!(started.elapsed(), Duration::from_secs(1), "done when the statement was");
    running.await.unwrap().expect("the statement finished normally");
    assert!(server.open_pids().is_empty());
}

#[tokio::test(start_paused = true)]
async fn drain_stops_statements_still_running_at_its_deadline() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(2.0));
    let events = Recorder::on(&pool);
    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    let running = in_background(lease, "SELECT pg_sleep(60)").await;
    let started = Instant::now();
    assert_eq!(pool.drain(Duration::from_secs(2)).await, 1, "one connection was stopped");
    assert_eq!(started.elapsed(), Duration::from_secs(2), "at the deadline");
    let err = running.await.unwrap().unwrap_err();
    assert!(matches!(err, PoolError::ConnectionLost { .. }), "{err:?}");
    tokio::task::yield_now().await;
    assert_eq!(pool.stats().size, 0);
    assert_eq!(events.removed(), vec![RemoveReason::PoolEnded]);
}
