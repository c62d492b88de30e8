//! The engine on the fake server and tokio's paused clock: the fleet budget read on the first
//! connection, and growth through claims (the claim's SQL runs on the fake server, which
//! reports the fleet it is told to).

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, ordinary, pass, sized};
use fake::{Answer, FakeServer, Fleet};
use tokio::time::Instant;

/// A server with room to spare for a single instance.
fn roomy() -> Fleet {
    Fleet { max_connections: 100, superuser_reserved: 3, instances: 1, ..Fleet::default() }
}

/// A pool over `server` with the fleet budget on, `min` connections open, at most `max`.
async fn fleet_pool(server: &FakeServer, min: f64, max: f64) -> wedpool_core::Pool {
    let pool = fake_pool(server, |o| {
        sized(o, min, max);
        o.fleet_budget_mut().enabled = Some(true);
        // Rare passes: claims must not depend on them.
        o.maintenance_interval_millis = Some(5_000.0);
    });
    pool.ready().await.unwrap();
    pool
}

#[tokio::test(start_paused = true)]
async fn the_first_connection_reads_the_budget_and_the_pool_is_capped_at_its_share() {
    let server = FakeServer::new();
    // 20 − 3 superuser − 2 others − a joining margin of 4 = 11 slots for 2 instances: 6 for
    // the first by name.
    server.set_fleet(Fleet { max_connections: 20, superuser_reserved: 3, others: 2, instances: 2, ..Fleet::default() });
    let pool = fake_pool(&server, |o| {
        sized(o, 4.0, 10.0);
        o.fleet_budget_mut().enabled = Some(true);
    });
    pool.ready().await.unwrap();
    let stats = pool.stats();
    assert_eq!((stats.budget, stats.max_size, stats.size), (Some(6), 6, 4));
    assert_eq!(server.attempts().len(), 4, "one unclaimed connection, then three claimed");
    assert!(server.count_queries("pg_advisory_xact_lock") >= 1, "growth went through a claim");
    assert!(server.count_queries("pg_advisory_lock_shared") >= 1, "the granted slots were recorded");
}

#[tokio::test(start_paused = true)]
async fn a_claim_opens_only_what_the_server_has_free_and_claims_again_for_the_rest() {
    let server = FakeServer::new();
    // 30 − 3 − a joining margin of 7 = 20 usable, 15 of them claimed by other instances.
    server.set_fleet(Fleet {
        max_connections: 30,
        superuser_reserved: 3,
        instances: 1,
        pending: 15,
        ..Fleet::default()
    });
    let pool = fake_pool(&server, |o| {
        sized(o, 6.0, 10.0);
        o.fleet_budget_mut().enabled = Some(true);
    });
    pass(Duration::from_millis(50)).await;
    assert_eq!(pool.stats().size, 5, "the first connection and the 4 slots left free");
    assert_eq!(server.count_queries("pg_advisory_lock_shared"), 1);
    server.set_fleet(Fleet { max_connections: 30, superuser_reserved: 3, instances: 1, ..Fleet::default() });
    pass(Duration::from_millis(500)).await;
    assert_eq!(pool.stats().size, 6, "the next claim found room");
    assert_eq!(server.count_queries("pg_advisory_lock_shared"), 2);
}

#[tokio::test(start_paused = true)]
async fn when_every_connection_is_held_the_first_one_back_runs_the_claim() {
    let server = FakeServer::new();
    server.set_fleet(roomy());
    let pool = fleet_pool(&server, 1.0, 4.0).await;
    let held = pool.acquire(&ordinary(), None).await.unwrap();
    let started = Instant::now();
    let waiting: Vec<_> = (0..2)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.acquire(&ordinary(), Some(Duration::from_secs(1))).await })
        })
        .collect();
    pass(Duration::from_millis(50)).await;
    assert_eq!(server.count_queries("pg_advisory_xact_lock"), 0, "no connection to claim with");
    drop(held);
    for w in waiting {
        w.await.unwrap().unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(50), "both served as soon as the claim granted");
    }
    assert_eq!(server.count_queries("pg_advisory_xact_lock"), 1);
    assert_eq!(server.attempts().len(), 2, "one more connection, claimed: not one unclaimed");
}

#[tokio::test(start_paused = true)]
async fn when_no_connection_comes_back_one_opens_unclaimed_after_100ms() {
    let server = FakeServer::new();
    server.set_fleet(roomy());
    let pool = fleet_pool(&server, 1.0, 4.0).await;
    let _held = pool.acquire(&ordinary(), None).await.unwrap();
    let started = Instant::now();
    let lease = pool.acquire(&ordinary(), Some(Duration::from_secs(1))).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(server.count_queries("pg_advisory_xact_lock"), 0, "the safety margin absorbs it");
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn a_full_server_makes_the_pool_read_its_budget_again_at_the_next_chance() {
    let server = FakeServer::new();
    server.set_fleet(roomy());
    let pool = fleet_pool(&server, 1.0, 2.0).await;
    assert_eq!(server.count_queries("pg_stat_activity"), 1, "the first reading");
    server.script([Answer::TooManyClients]);
    let held = pool.acquire(&ordinary(), None).await.unwrap();
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire(&ordinary(), Some(Duration::from_secs(5))).await }
    });
    pass(Duration::from_millis(150)).await;
    assert_eq!(pool.stats().server_full, 1);
    drop(held);
    let lease = waiting.await.unwrap().unwrap();
    assert_eq!(server.count_queries("pg_stat_activity"), 2, "read again long before the 10 s refresh");
    drop(lease);
}

#[tokio::test(start_paused = true)]
async fn a_claim_that_times_out_on_the_fleet_lock_is_rolled_back_and_retried_after_a_pause() {
    let server = FakeServer::new();
    server.set_fleet(roomy());
    server.refuse_claim_lock(1);
    let started = Instant::now();
    let pool = fleet_pool(&server, 3.0, 4.0).await;
    let waited = started.elapsed();
    assert!(
        (320..480).contains(&waited.as_millis()),
        "the second claim came right after a 400 ms ±20% pause, not at a later maintenance pass: {waited:?}"
    );
    assert_eq!(server.count_queries("ROLLBACK"), 1, "the refused claim left no transaction open");
    assert_eq!(server.count_queries("pg_advisory_xact_lock"), 2);
    assert_eq!(pool.stats().size, 3);
}
