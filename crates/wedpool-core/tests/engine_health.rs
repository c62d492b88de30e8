//! The engine on the fake server and tokio's paused clock: keepalive probes, the database
//! going down and coming back (shedding after the grace, early attempts), a full server.

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, ordinary, pass, sized, wedding_critical, Recorder};
use fake::{Answer, FakeServer};
use tokio::time::Instant;
use wedpool_core::{ConnectErrorKind, HealthState, PoolError, RemoveReason};

#[tokio::test(start_paused = true)]
async fn an_idle_connection_that_misses_its_keepalive_probe_is_replaced() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 1.0);
        o.keepalive_millis = Some(1_000.0);
        o.connect_timeout_millis = Some(500.0);
    });
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let stuck = server.open_pids()[0];
    server.stall(stuck);
    pass(Duration::from_millis(1_050)).await;
    assert!(events.removed().is_empty(), "the probe is still within the connect timeout");
    pass(Duration::from_millis(600)).await;
    assert_eq!(events.removed(), vec![RemoveReason::KeepaliveFailed]);
    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    assert_ne!(lease.process_id(), stuck, "a fresh connection replaced it");
    assert_eq!(pool.stats().size, 1);
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_that_answers_its_keepalive_probe_is_kept() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 1.0);
        o.keepalive_millis = Some(1_000.0);
    });
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let pids = server.open_pids();
    pass(Duration::from_millis(3_500)).await;
    let probes = server.queries().iter().filter(|q| q.is_empty()).count();
    assert!(probes >= 3, "one empty statement per keepalive period: {probes}");
    assert_eq!(server.open_pids(), pids);
    assert!(events.removed().is_empty(), "{:?}", events.removed());
}

#[tokio::test(start_paused = true)]
async fn while_the_database_is_down_ordinary_callers_are_shed_after_the_grace_and_critical_ones_wait() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Close);
    let pool = fake_pool(&server, |o| {
        o.base_pool_size_mut().max = Some(1.0);
        o.unavailable_grace_millis = Some(500.0);
    });
    let ordinary_wait = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire(&ordinary(), Some(Duration::from_secs(30))).await }
    });
    let critical_wait = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire(&wedding_critical(), Some(Duration::from_secs(30))).await }
    });
    // Down after the third failure (≤ 360 ms with jitter): not yet down for the grace.
    pass(Duration::from_millis(700)).await;
    assert_eq!(pool.health().state, HealthState::Down);
    assert!(!ordinary_wait.is_finished(), "still within the grace");
    pass(Duration::from_millis(400)).await;
    let shed = ordinary_wait.await.unwrap().unwrap_err();
    let PoolError::DatabaseUnavailable { last_connect_error, .. } = &shed else { panic!("{shed:?}") };
    assert!(last_connect_error.is_some(), "the cause travels with it");
    assert!(!critical_wait.is_finished(), "wedding-critical callers keep waiting");
    server.answer_otherwise(Answer::Accept);
    let lease = critical_wait.await.unwrap().expect("served once the database is back");
    assert_eq!(pool.health().state, HealthState::Healthy);
    assert_eq!(pool.stats().shed, 1);
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn a_newcomer_during_a_backoff_tries_at_once_instead_of_waiting_it_out() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Close);
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let started = Instant::now();
    // Attempts at about 0, 0.1, 0.3 and 0.7 s; the next is due at 1.2 s or later.
    let _ = pool.acquire(&wedding_critical(), Some(Duration::from_secs(1))).await.unwrap_err();
    assert_eq!(server.attempts().len(), 4);
    server.answer_otherwise(Answer::Accept);
    pass(Duration::from_millis(150)).await;
    let arrived = Instant::now();
    let lease = pool.acquire(&ordinary(), Some(Duration::from_secs(5))).await.unwrap();
    assert_eq!(arrived.elapsed(), Duration::ZERO, "no wait for the backoff");
    assert_eq!(*server.attempts().last().unwrap() - started, Duration::from_millis(1_150));
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn a_full_server_is_back_pressure_and_callers_keep_waiting_past_the_grace() {
    let server = FakeServer::new();
    server.script([Answer::TooManyClients; 5]);
    let pool = fake_pool(&server, |o| {
        o.base_pool_size_mut().max = Some(1.0);
        o.unavailable_grace_millis = Some(500.0);
    });
    let started = Instant::now();
    let lease = pool.acquire(&ordinary(), Some(Duration::from_secs(10))).await.unwrap();
    assert!(started.elapsed() > Duration::from_secs(2), "served after five refusals: {:?}", started.elapsed());
    let stats = pool.stats();
    assert_eq!((stats.server_full, stats.connect_failures, stats.shed), (5, 5, 0));
    assert_eq!(pool.health().state, HealthState::Healthy);
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn an_outage_reports_degraded_then_down_and_a_timeout_carries_its_cause() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Close);
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let events = Recorder::on(&pool);
    let err = pool.acquire(&wedding_critical(), Some(Duration::from_millis(800))).await.unwrap_err();
    let PoolError::AcquireTimeout { last_connect_error, .. } = &err else { panic!("{err:?}") };
    assert!(matches!(last_connect_error.as_deref(), Some(PoolError::ConnectFailed { .. })), "{err:?}");
    assert_eq!(events.health_states(), ["degraded", "down"]);
    server.answer_otherwise(Answer::Accept);
    drop(pool.acquire(&wedding_critical(), Some(Duration::from_secs(5))).await.unwrap());
    assert_eq!(events.health_states(), ["degraded", "down", "healthy"]);
}

#[tokio::test(start_paused = true)]
async fn while_the_password_is_rejected_every_waiter_and_newcomer_fails_at_once() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Hang);
    server.script([Answer::RejectPassword]);
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(2.0));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.acquire(&wedding_critical(), Some(Duration::from_secs(30))).await })
        })
        .collect();
    for w in waiters {
        let err = w.await.unwrap().unwrap_err();
        assert!(matches!(err, PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. }), "{err:?}");
    }
    let attempts = server.attempts().len();
    let err = pool.acquire(&ordinary(), Some(Duration::from_secs(30))).await.unwrap_err();
    assert!(matches!(err, PoolError::ConnectFailed { kind: ConnectErrorKind::Auth, .. }), "{err:?}");
    assert_eq!(server.attempts().len(), attempts, "no new attempt before the backoff ends");
    assert_eq!(pool.health().state, HealthState::Down);
}
