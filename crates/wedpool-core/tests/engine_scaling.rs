//! The engine on the fake server and tokio's paused clock: the pool's size over the calendar
//! (lead-in, wedding day, the day after), lifetime rotation around wedding days, and idle
//! reaping down to the warm reserve.

mod engine_support;
mod fake;

use std::time::Duration;

use chrono::{DateTime, Utc};
use engine_support::{fake_pool, ordinary, pass, saturday, saturday_weddings, sized, wednesday, Recorder};
use fake::FakeServer;
use wedpool_core::RemoveReason;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

#[tokio::test(start_paused = true)]
async fn the_pool_grows_during_the_lead_in_and_shrinks_to_min_after_the_day() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 4.0);
        saturday_weddings(o, 3.0);
        o.wedding_calendar_mut().lead_minutes = Some(60.0);
        o.base_pool_size_mut().idle_timeout_millis = Some(1_000.0);
    });
    let events = Recorder::on(&pool);
    pool.set_calendar_time(Some(at("2026-06-12T22:30:00Z")));
    pass(Duration::from_millis(200)).await;
    assert_eq!(pool.stats().size, 1, "Friday evening, before the lead-in");
    pool.set_calendar_time(Some(at("2026-06-12T23:30:00Z")));
    pass(Duration::from_millis(200)).await;
    let stats = pool.stats();
    assert_eq!((stats.min_size, stats.max_size, stats.size), (3, 12, 3), "warmed up ahead of the day");
    assert_eq!(stats.reason.to_string(), "lead-in before wedding day in UTC (2026-06-13)");
    pool.set_calendar_time(Some(at("2026-06-14T00:30:00Z")));
    pass(Duration::from_millis(200)).await;
    assert_eq!((pool.stats().min_size, pool.stats().size), (1, 3), "idle ones stay until their timeout");
    pass(Duration::from_millis(1_100)).await;
    assert_eq!(pool.stats().size, 1, "back to min");
    assert_eq!(events.removed(), vec![RemoveReason::IdleTimeout; 2]);
}

#[tokio::test(start_paused = true)]
async fn after_a_wedding_day_connections_above_the_new_max_close_idle_at_once_and_in_use_when_released() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        o.base_pool_size_mut().max = Some(3.0);
        saturday_weddings(o, 2.0);
    });
    let events = Recorder::on(&pool);
    pool.set_calendar_time(Some(saturday()));
    let mut leases = Vec::new();
    for _ in 0..5 {
        leases.push(pool.acquire(&ordinary(), None).await.unwrap());
    }
    leases.pop();
    assert_eq!((pool.stats().size, pool.stats().idle), (5, 1));
    pool.set_calendar_time(Some(wednesday()));
    assert_eq!(events.removed(), vec![RemoveReason::ScaleDown], "the idle one, at once");
    assert_eq!(pool.stats().max_size, 3);
    leases.clear();
    assert_eq!(events.removed(), vec![RemoveReason::ScaleDown; 2], "then the first one back");
    let stats = pool.stats();
    assert_eq!((stats.size, stats.idle, stats.in_use), (3, 3, 0));
}

#[tokio::test(start_paused = true)]
async fn lifetime_rotation_pauses_on_a_wedding_day_and_resumes_after() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 2.0);
        saturday_weddings(o, 1.0);
        o.max_lifetime_millis = Some(10_000.0);
    });
    let events = Recorder::on(&pool);
    pool.set_calendar_time(Some(saturday()));
    pool.ready().await.unwrap();
    let first = server.open_pids();
    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    pass(Duration::from_secs(15)).await;
    drop(lease);
    pass(Duration::from_millis(200)).await;
    assert_eq!(server.open_pids(), first, "past its lifetime, but nothing rotates on a wedding day");
    assert!(events.removed().is_empty(), "{:?}", events.removed());
    pool.set_calendar_time(Some(wednesday()));
    pass(Duration::from_millis(200)).await;
    assert_eq!(events.removed(), vec![RemoveReason::MaxLifetime]);
    assert_ne!(server.open_pids(), first, "replaced to keep min");
    assert_eq!(pool.stats().size, 1);
}

#[tokio::test(start_paused = true)]
async fn idle_reaping_keeps_a_warm_connection_for_each_free_emergency_slot() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 0.0, 3.0);
        o.emergency_reserved_connections = Some(1.0);
        o.base_pool_size_mut().idle_timeout_millis = Some(1_000.0);
    });
    let events = Recorder::on(&pool);
    pass(Duration::from_millis(50)).await;
    assert_eq!(pool.stats().size, 1, "the reserve is kept warm even with min 0");
    let leases = [pool.acquire(&ordinary(), None).await.unwrap(), pool.acquire(&ordinary(), None).await.unwrap()];
    pass(Duration::from_millis(50)).await;
    assert_eq!(pool.stats().size, 3, "two in use and the warm reserve");
    drop(leases);
    pass(Duration::from_millis(1_200)).await;
    assert_eq!(pool.stats().size, 1, "reaped down to the warm reserve, not to min");
    assert_eq!(events.removed(), vec![RemoveReason::IdleTimeout; 2]);
}

#[tokio::test(start_paused = true)]
async fn demand_seen_at_an_hour_warms_the_pool_up_ahead_of_that_hour_a_week_later() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| {
        sized(o, 1.0, 10.0);
        saturday_weddings(o, 1.0);
    });
    pool.set_calendar_time(Some(at("2026-06-10T12:00:00Z")));
    let mut leases = Vec::new();
    for _ in 0..4 {
        leases.push(pool.acquire(&ordinary(), None).await.unwrap());
    }
    // Each pass folds the minute that ended; the next hour folds the hour into the profile.
    for minute in ["12:00:30", "12:01:00", "13:00:00", "13:01:00"] {
        pool.set_calendar_time(Some(at(&format!("2026-06-10T{minute}Z"))));
    }
    leases.clear();
    pool.set_calendar_time(Some(at("2026-06-17T10:00:00Z")));
    pass(Duration::from_millis(200)).await;
    assert_eq!(pool.stats().min_size, 1, "nothing expected in the next hour");
    pool.set_calendar_time(Some(at("2026-06-17T11:30:00Z")));
    pass(Duration::from_millis(200)).await;
    let stats = pool.stats();
    assert_eq!((stats.min_size, stats.size), (4, 4), "warmed up for the peak at noon");
    assert!(stats.reason.to_string().contains("forecast"), "{}", stats.reason);
}
