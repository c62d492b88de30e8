//! `Debug` output of the public types never shows the password.

mod common;

use wedpool_core::{DatabaseContext, Pool, PoolConfig, PoolOptions};

const PASSWORD: &str = "s3cret-wedding-pass";

fn config_with_password() -> PoolConfig {
    let mut options = PoolOptions {
        connection_string: Some(format!("postgres://app:{PASSWORD}@127.0.0.1:5432/postgres")),
        ..Default::default()
    };
    options.password = Some(PASSWORD.into());
    options.wedding_calendar_mut().timezones = Some(vec!["UTC".into()]);
    PoolConfig::from_options(options).expect("valid options")
}

#[test]
fn options_and_config_debug_hide_the_password() {
    let mut options =
        PoolOptions { connection_string: Some(format!("postgres://app:{PASSWORD}@db/postgres")), ..Default::default() };
    options.password = Some(PASSWORD.into());
    let shown = format!("{options:?} {:?}", config_with_password());
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("127.0.0.1"), "the target is still shown: {shown}");
}

#[tokio::test]
async fn pool_debug_shows_target_and_stats_without_the_password() {
    let pool = Pool::new(config_with_password());
    let shown = format!("{pool:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("Pool") && shown.contains("stats"), "{shown}");
    pool.end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_debug_shows_ids_without_the_password() {
    let pool = common::pool_with(|o| o.password = Some(PASSWORD.into()));
    let lease = pool.acquire(&DatabaseContext::default(), None).await.expect("a connection");
    let shown = format!("{lease:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("process_id: Some("), "{shown}");
    drop(lease);
    pool.end();
}
