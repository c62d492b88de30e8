//! Admission — who gets the next connection: the request's context and priority, the wait
//! queue, and the accounting of the emergency reserve. Pure: no I/O, no `.await`.

pub(crate) mod context;
pub(crate) mod priority_class;
pub(crate) mod queue;
pub(crate) mod reservation;
