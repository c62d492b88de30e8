//! Pool events as plain objects delivered through a weak thread-safe function, so a listener
//! never keeps Node alive.

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use wedpool_core::{EventKind, PoolEvent};

/// Event-mask bit for `connect` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_CONNECT: u32 = EventKind::Connect as u32;
/// Event-mask bit for `acquire` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_ACQUIRE: u32 = EventKind::Acquire as u32;
/// Event-mask bit for `release` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_RELEASE: u32 = EventKind::Release as u32;
/// Event-mask bit for `remove` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_REMOVE: u32 = EventKind::Remove as u32;
/// Event-mask bit for `scale` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_SCALE: u32 = EventKind::Scale as u32;
/// Event-mask bit for `health` events.
#[napi]
#[cfg_attr(test, allow(dead_code))] // only JavaScript reads them; napi registers them outside tests
pub const EVENT_HEALTH: u32 = EventKind::Health as u32;

/// One event. Fields not relevant to its `type` are absent.
#[derive(Debug)]
#[napi(object)]
pub struct NativeEvent {
    /// `connect`, `acquire`, `release`, `remove` or `scale`.
    pub r#type: String,
    /// The pool's id for the connection.
    pub connection_id: Option<f64>,
    /// Backend process id.
    pub process_id: Option<i32>,
    /// Caller priority (`acquire`).
    pub priority: Option<f64>,
    /// Whether an emergency slot was used (`acquire`).
    pub reserved: Option<bool>,
    /// Wait in microseconds (`acquire`).
    pub waited_micros: Option<f64>,
    /// Hold time in microseconds (`release`).
    pub held_micros: Option<f64>,
    /// Why (`remove`, `scale`).
    pub reason: Option<String>,
    /// Previous min (`scale`).
    pub from_min: Option<u32>,
    /// Previous max (`scale`).
    pub from_max: Option<u32>,
    /// New min (`scale`).
    pub to_min: Option<u32>,
    /// New max (`scale`).
    pub to_max: Option<u32>,
    /// Multiplier in force (`scale`).
    pub multiplier: Option<f64>,
    /// `healthy`, `degraded` or `down` (`health`).
    pub state: Option<String>,
    /// Failed connection attempts in a row (`health`).
    pub consecutive_failures: Option<u32>,
    /// The last failure's message (`health`).
    pub last_error: Option<String>,
    /// The last failure's code (`health`).
    pub last_error_code: Option<String>,
}

impl NativeEvent {
    fn empty(kind: &str) -> Self {
        NativeEvent {
            r#type: kind.to_string(),
            connection_id: None,
            process_id: None,
            priority: None,
            reserved: None,
            waited_micros: None,
            held_micros: None,
            reason: None,
            from_min: None,
            from_max: None,
            to_min: None,
            to_max: None,
            multiplier: None,
            state: None,
            consecutive_failures: None,
            last_error: None,
            last_error_code: None,
        }
    }
}

impl From<PoolEvent> for NativeEvent {
    fn from(event: PoolEvent) -> Self {
        match event {
            PoolEvent::Connect { connection_id, process_id } => NativeEvent {
                connection_id: Some(connection_id as f64),
                process_id: Some(process_id),
                ..NativeEvent::empty("connect")
            },
            PoolEvent::Acquire { connection_id, process_id, priority, reserved, waited_micros } => NativeEvent {
                connection_id: Some(connection_id as f64),
                process_id: Some(process_id),
                priority: Some(priority as f64),
                reserved: Some(reserved),
                waited_micros: Some(waited_micros as f64),
                ..NativeEvent::empty("acquire")
            },
            PoolEvent::Release { connection_id, held_micros } => NativeEvent {
                connection_id: Some(connection_id as f64),
                held_micros: Some(held_micros as f64),
                ..NativeEvent::empty("release")
            },
            PoolEvent::Remove { connection_id, process_id, reason } => NativeEvent {
                connection_id: Some(connection_id as f64),
                process_id: Some(process_id),
                reason: Some(reason.to_string()),
                ..NativeEvent::empty("remove")
            },
            PoolEvent::Scale { from_min, from_max, to_min, to_max, multiplier, reason } => NativeEvent {
                from_min: Some(from_min as u32),
                from_max: Some(from_max as u32),
                to_min: Some(to_min as u32),
                to_max: Some(to_max as u32),
                multiplier: Some(multiplier),
                reason: Some(reason.to_string()),
                ..NativeEvent::empty("scale")
            },
            PoolEvent::Health { state, consecutive_failures, last_error, last_error_code } => NativeEvent {
                state: Some(state.to_string()),
                consecutive_failures: Some(consecutive_failures),
                last_error,
                last_error_code: last_error_code.map(str::to_string),
                ..NativeEvent::empty("health")
            },
        }
    }
}

/// The JS listener: `(event) => void`, weak (does not keep the process alive).
pub type EventCallback = ThreadsafeFunction<NativeEvent, (), NativeEvent, Status, false, true>;

/// Wraps the callback as a core event sink.
pub fn sink(callback: EventCallback) -> wedpool_core::EventSink {
    let callback = std::sync::Arc::new(callback);
    std::sync::Arc::new(move |event: PoolEvent| {
        callback.call(event.into(), ThreadsafeFunctionCallMode::NonBlocking);
    })
}
