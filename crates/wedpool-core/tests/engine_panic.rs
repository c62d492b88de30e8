//! The engine on the fake server: a panic while a connection is lent never puts that
//! connection back into use.

mod engine_support;
mod fake;

use std::panic::{catch_unwind, AssertUnwindSafe};

use engine_support::{fake_pool, Recorder};
use fake::FakeServer;
use wedpool_core::{DatabaseContext, RemoveReason};

#[tokio::test(start_paused = true)]
async fn a_lease_dropped_while_a_panic_unwinds_is_closed_not_reused() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let events = Recorder::on(&pool);
    let lease = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let pid = lease.process_id();
    let unwound = catch_unwind(AssertUnwindSafe(move || {
        let _held = lease;
        panic!("a bug while the connection is in use");
    }));
    assert!(unwound.is_err());
    assert_eq!(events.removed(), vec![RemoveReason::Broken]);
    assert_eq!(pool.stats().in_use, 0);
    let next = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    assert_ne!(next.process_id(), pid, "a fresh connection, not the one the panic left");
}

#[tokio::test(start_paused = true)]
async fn a_lease_dropped_normally_is_reused() {
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let events = Recorder::on(&pool);
    let lease = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
    let pid = lease.process_id();
    let kept = catch_unwind(AssertUnwindSafe(move || drop(lease)));
    assert!(kept.is_ok());
    assert!(events.removed().is_empty());
    assert_eq!(pool.acquire(&DatabaseContext::default(), None).await.unwrap().process_id(), pid);
}

#[tokio::test(start_paused = true)]
async fn a_lease_held_by_a_future_that_panics_is_closed_not_reused() {
    use futures_util::FutureExt;
    let server = FakeServer::new();
    let pool = fake_pool(&server, |o| o.base_pool_size_mut().max = Some(1.0));
    let events = Recorder::on(&pool);
    let work = async {
        let held = pool.acquire(&DatabaseContext::default(), None).await.unwrap();
        tokio::task::yield_now().await;
        if held.process_id() != 0 {
            panic!("a bug half-way through a statement");
        }
    };
    assert!(AssertUnwindSafe(work).catch_unwind().await.is_err());
    assert_eq!(events.removed(), vec![RemoveReason::Broken]);
    assert_eq!(pool.stats().in_use, 0);
}
