//! The engine on the fake server and tokio's paused clock: the fleet budget read on the first
//! connection, and growth through claims (the claim's SQL runs on the fake server, which
//! reports the fleet it is told to).

mod engine_support;
mod fake;

use std::time::Duration;

use engine_support::{fake_pool, pass, sized};
use fake::{FakeServer, Fleet};

#[tokio::test(start_paused = true)]
async fn the_first_connection_reads_the_budget_and_the_pool_is_capped_at_its_share() {
    let server = FakeServer::new();
    // 20 − 3 superuser − 2 others − a joining margin of 4 = 11 slots for 2 instances: 6 for
    // the first by name.
    server.set_fleet(Fleet { max_connections: 20, superuser_reserved: 3, others: 2, instances: 2, ..Fleet::default() });
    let pool = fake_pool(&server, |o| {
        sized(o, 4.0, 10.0);
        o.fleet_budget = Some(true);
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
        o.fleet_budget = Some(true);
    });
    pass(Duration::from_millis(50)).await;
    assert_eq!(pool.stats().size, 5, "the first connection and the 4 slots left free");
    assert_eq!(server.count_queries("pg_advisory_lock_shared"), 1);
    server.set_fleet(Fleet { max_connections: 30, superuser_reserved: 3, instances: 1, ..Fleet::default() });
    pass(Duration::from_millis(500)).await;
    assert_eq!(pool.stats().size, 6, "the next claim found room");
    assert_eq!(server.count_queries("pg_advisory_lock_shared"), 2);
}
