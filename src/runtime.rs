//! The tokio runtime the addon runs on, sized for where WedPool runs: the database usually
//! shares the machine's cores. `WEDPOOL_WORKER_THREADS` overrides the default of two workers (one
//! worker trades throughput for latency: a query's future and its connection's driver task then
//! share a thread, saving cross-thread hand-offs; two are faster at 64 concurrent callers on a
//! 2-core machine — measured with `npm run bench`, see the README). On a loaded 2-core machine
//! (load average 6–10, 2026-11-30) one worker cut voluntary context switches per serial
//! `SELECT 1` from 4.0 to 3.0 (with two, the worker a submission wakes finds the task as the last
//! searcher and wakes the other, which finds nothing and parks again), but roughly doubled its
//! latency (660–780 µs against 370–440 µs): a lone worker waits for a core whenever the
//! scheduler gives it to someone else.

use napi::bindgen_prelude::create_custom_tokio_runtime;

/// Worker threads when `WEDPOOL_WORKER_THREADS` is not set.
const DEFAULT_WORKERS: usize = 2;

#[napi_derive::module_init]
fn init() {
    let workers = std::env::var("WEDPOOL_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(DEFAULT_WORKERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("wedpool-rt")
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    create_custom_tokio_runtime(runtime);
}
