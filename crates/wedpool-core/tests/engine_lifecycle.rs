//! The engine on the fake server and tokio's paused clock: backoff, reaping, lifetime,
//! calendar transitions, connections the server ends, and outages.

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, pass, saturday, saturday_weddings, sized, wednesday, Recorder};
use fake::{Answer, FakeServer};
use wedpool_core::{ConnectErrorKind, DatabaseContext, HealthState, PoolError, PoolEvent, RemoveReason};

#[tokio::test(start_paused = true)]
async fn failed_attempts_back_off_from_100ms_doubling_with_jitter() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Close);
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let ctx = DatabaseContext { is_critical_operation: true, ..Default::default() };
    let _ = pool.acquire(&ctx, Some(Duration::from_millis(1_600))).await;
    let attempts = server.attempts();
    let gaps: Vec<_> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 3, "several attempts in 1.6 s: {gaps:?}");
    for (i, gap) in gaps.iter().take(3).enumerate() {
        let base = Duration::from_millis(100 << i);
        assert!(
            *gap >= base.mul_f64(0.8) && *gap <= base.mul_f64(1.2),
            "attempt {} after {gap:?}, base {base:?}",
            i + 2
        );
    }
    assert_eq!(pool.health().state, HealthState::Down);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_password_fails_fast_with_its_kind_and_no_retry_storm() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::RejectPassword);
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(4.0));
    let err = pool.acquire(&DatabaseContext::default(), Some(Duration::from_secs(5))).await.unwrap_err();
    let PoolError::ConnectFailed { kind, sqlstate, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*kind, sqlstate.as_deref()), (ConnectErrorKind::Auth, Some("28P01")));
    assert!(server.attempts().len() <= 2, "{} attempts", server.attempts().len());
}

#[tokio::test(start_paused = true)]
async fn a_hanging_server_ends_at_the_connect_timeout() {
    let server = FakeServer::new();
    server.answer_otherwise(Answer::Hang);
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 1.0);
        o.connect_timeout_millis = Some(2_000.0);
    });
    pass(Duration::from_millis(1_900)).await;
    assert!(pool.health().last_error.is_none(), "still within the connect timeout");
    pass(Duration::from_millis(200)).await;
    let err = pool.health().last_error.expect("the attempt failed");
    assert!(matches!(err, PoolError::ConnectFailed { kind: ConnectErrorKind::Timeout, .. }), "{err:?}");
    drop(pool);
}

#[tokio::test(start_paused = true)]
async fn idle_connections_above_min_close_after_the_idle_timeout() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 3.0);
        o.base_pool_size_mut().idle_timeout_millis = Some(1_000.0);
    });
    let events = Recorder::on(&pool);
    let leases = [
        pool.acquire(&DatabaseContext::default(), None).await.unwrap(),
        pool.acquire(&DatabaseContext::default(), None).await.unwrap(),
        pool.acquire(&DatabaseContext::default(), None).await.unwrap(),
    ];
    drop(leases);
    assert_eq!(pool.stats().size, 3);
    pass(Duration::from_millis(500)).await;
    assert_eq!(pool.stats().size, 3, "not idle long enough yet");
    pass(Duration::from_millis(800)).await;
    assert_eq!(pool.stats().size, 1, "down to min");
    assert_eq!(events.removed(), vec![RemoveReason::IdleTimeout; 2]);
    assert_eq!(server.open_pids().len(), 1, "the server saw them close");
}

#[tokio::test(start_paused = true)]
async fn connections_retire_at_their_lifetime_and_min_is_refilled() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 2.0);
        o.max_lifetime_millis = Some(10_000.0);
    });
    pool.set_calendar_time(Some(wednesday()));
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let first = server.open_pids();
    pass(Duration::from_millis(8_500)).await;
    assert_eq!(server.open_pids(), first, "no retirement before 90% of the lifetime");
    pass(Duration::from_millis(3_000)).await;
    assert!(events.removed().contains(&RemoveReason::MaxLifetime), "{:?}", events.removed());
    let now = server.open_pids();
    assert_eq!(now.len(), 1, "min is kept");
    assert_ne!(now, first, "by a new connection");
}

#[tokio::test(start_paused = true)]
async fn the_calendar_scales_the_pool_up_on_a_wedding_day_and_back_down() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 4.0);
        saturday_weddings(o, 2.0);
    });
    let events = Recorder::on(&pool);
    pool.set_calendar_time(Some(wednesday()));
    pass(Duration::from_millis(200)).await;
    assert_eq!((pool.stats().min_size, pool.stats().max_size), (1, 4));
    pool.set_calendar_time(Some(saturday()));
    pass(Duration::from_millis(200)).await;
    let stats = pool.stats();
    assert_eq!((stats.min_size, stats.max_size, stats.wedding_day), (2, 8, true));
    assert_eq!(stats.size, 2, "min warmed up");
    pool.set_calendar_time(Some(wednesday()));
    pass(Duration::from_millis(200)).await;
    assert_eq!(pool.stats().max_size, 4);
    let scales: Vec<_> = events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            PoolEvent::Scale { to_max, reason, .. } => Some((to_max, reason.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(scales.len(), 2, "{scales:?}");
    assert_eq!(scales[0], (8, "wedding day in UTC (2026-06-13)".to_string()));
    assert_eq!(scales[1], (4, "base".to_string()));
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_the_server_closes_is_evicted_at_once() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| sized(o, 2.0, 2.0));
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let pids = server.open_pids();
    server.close(pids[0]);
    pass(Duration::from_millis(10)).await;
    assert_eq!(events.removed(), vec![RemoveReason::ClosedByServer]);
    let lease = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    assert_ne!(lease.process_id(), pids[0], "the dead connection is never handed out");
}

#[tokio::test(start_paused = true)]
async fn an_administrator_shutdown_empties_the_idle_set() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| sized(o, 3.0, 3.0));
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    server.answer_otherwise(Answer::Close);
    server.shut_down_all();
    pass(Duration::from_millis(10)).await;
    let removed = events.removed();
    assert_eq!(removed.len(), 3, "{removed:?}");
    assert!(removed.contains(&RemoveReason::AdminShutdown), "{removed:?}");
    assert!(removed.iter().all(|r| matches!(r, RemoveReason::AdminShutdown | RemoveReason::ClosedByServer)));
    assert_eq!(pool.stats().size, 0);
}
