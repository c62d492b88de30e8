//! Set-up for engine tests: a pool whose connections come from the fake server, and a
//! recorder of its events.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use wedpool_core::{DatabaseContext, Pool, PoolConfig, PoolEvent, PoolOptions, RemoveReason};

use crate::fake::FakeServer;

/// A pool over `server` with `f` applied to options that keep tests quiet: UTC calendar, no
/// fleet budget, maintenance every 100 ms.
pub fn fake_pool(server: &FakeServer, f: impl FnOnce(&mut PoolOptions)) -> Pool {
    let mut options =
        PoolOptions { connection_string: Some("postgres://app@fake.invalid/app".into()), ..Default::default() };
    options.wedding_calendar_mut().timezones = Some(vec!["UTC".into()]);
    options.fleet_budget_mut().enabled = Some(false);
    options.maintenance_interval_millis = Some(100.0);
    f(&mut options);
    let config = PoolConfig::from_options(options).expect("valid test options");
    Pool::with_connector(config, server.connector())
}

/// Every event the pool emits, in order.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<PoolEvent>>>);

impl Recorder {
    /// Starts recording all event kinds of `pool`.
    pub fn on(pool: &Pool) -> Recorder {
        let recorder = Recorder::default();
        let sink = recorder.0.clone();
        pool.set_event_mask(u32::MAX);
        pool.set_event_sink(Some(Arc::new(move |e| sink.lock().unwrap().push(e))));
        recorder
    }

    /// The events so far.
    pub fn events(&self) -> Vec<PoolEvent> {
        self.0.lock().unwrap().clone()
    }

    /// Reasons of the `remove` events so far.
    pub fn removed(&self) -> Vec<RemoveReason> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                PoolEvent::Remove { reason, .. } => Some(reason),
                _ => None,
            })
            .collect()
    }
}

/// Lets spawned tasks run and the paused clock move by `d`.
pub async fn pass(d: Duration) {
    tokio::time::sleep(d).await;
}

/// Saturday 2026-06-13, noon UTC.
pub fn saturday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-13T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// Wednesday 2026-06-10, noon UTC.
pub fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-10T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// A caller that may use the emergency reserve on a wedding day (and keeps waiting while the
/// database is down).
pub fn wedding_critical() -> DatabaseContext {
    DatabaseContext { is_wedding_critical: true, ..Default::default() }
}

/// A caller marked critical for the business.
pub fn critical_operation() -> DatabaseContext {
    DatabaseContext { is_critical_operation: true, ..Default::default() }
}

/// A caller serving a wedding happening now.
pub fn active_wedding() -> DatabaseContext {
    DatabaseContext { is_active_wedding: true, ..Default::default() }
}

/// An ordinary caller.
pub fn ordinary() -> DatabaseContext {
    DatabaseContext::default()
}

impl Recorder {
    /// States of the `health` events so far.
    pub fn health_states(&self) -> Vec<&'static str> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                PoolEvent::Health { state, .. } => Some(state),
                _ => None,
            })
            .collect()
    }

    /// The number of `remove` events for `reason` so far.
    pub fn removed_for(&self, reason: RemoveReason) -> usize {
        self.removed().into_iter().filter(|r| *r == reason).count()
    }
}

/// Sets the base pool size.
pub fn sized(o: &mut PoolOptions, min: f64, max: f64) {
    o.base_pool_size_mut().min = Some(min);
    o.base_pool_size_mut().max = Some(max);
}

/// Saturdays are wedding days, with `multiplier` applied to min and max.
pub fn saturday_weddings(o: &mut PoolOptions, multiplier: f64) {
    o.wedding_calendar_mut().weekdays = Some(vec!["saturday".into()]);
    o.wedding_day_multiplier = Some(multiplier);
}
