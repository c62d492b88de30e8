//! The engine on the fake server and tokio's paused clock: several hosts under
//! `target_session_attrs=read-write`, and a primary that turns read-only.

mod engine_support;
mod fake;

use engine_support::{fake_pool, ordinary, sized, Recorder};
use fake::FakeServer;
use wedpool_core::{HealthState, PoolError, RemoveReason};

const HOSTS: &str = "postgres://app@standby.invalid,primary.invalid/app?target_session_attrs=read-write";

#[tokio::test(start_paused = true)]
async fn connections_go_to_the_writable_host_and_leave_it_when_it_turns_read_only() {
    let server = FakeServer::new();
    server.make_read_only("standby.invalid");
    let pool = fake_pool(&server, |o| {
        sized(o, 2.0, 2.0);
        o.connection_string = Some(HOSTS.into());
    });
    let events = Recorder::on(&pool);
    pool.ready().await.unwrap();
    let hosts: Vec<_> = server.open_pids().into_iter().filter_map(|pid| server.host_of(pid)).collect();
    assert_eq!(hosts, ["primary.invalid"; 2], "the standby listed first was passed over");

    let lease = pool.acquire(&ordinary(), None).await.unwrap();
    server.make_read_only("primary.invalid");
    server.promote("standby.invalid");
    let err = lease.query("INSERT INTO guests VALUES (1)", &[]).await.unwrap_err();
    let PoolError::Database(fields) = &err else { panic!("{err:?}") };
    assert_eq!(fields.code, "25006");
    assert_eq!(events.removed(), vec![RemoveReason::ReadOnly], "the idle connection to the old primary");
    assert_eq!(pool.health().state, HealthState::Degraded);
    drop(lease);
    assert_eq!(events.removed(), vec![RemoveReason::ReadOnly; 2], "and the one in use, on release");

    let again = pool.acquire(&ordinary(), None).await.unwrap();
    assert_eq!(server.host_of(again.process_id()).as_deref(), Some("standby.invalid"));
    again.query("INSERT INTO guests VALUES (1)", &[]).await.expect("the new primary takes writes");
    assert_eq!(pool.health().state, HealthState::Healthy);
}
