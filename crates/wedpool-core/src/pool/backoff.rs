//! Spreading connection attempts and retirements in time: the retry backoff after failures
//! and the jittered end of a connection's lifetime.

use std::time::{Duration, Instant};

/// Delay before the next connection attempt after `failures` consecutive failures:
/// 100 ms doubling up to 5 s, with ±20% jitter so that many pools do not retry in step.
pub fn backoff(failures: u32, jitter_seed: u64) -> Duration {
    let base_ms = 100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(5_000);
    let spread = (jitter_seed % 41) as i64 - 20; // −20 … +20 percent
    let ms = (base_ms as i64 + base_ms as i64 * spread / 100).max(1) as u64;
    Duration::from_millis(ms)
}

/// A connection's retirement time: `lifetime` ±10%, spread by `seed`.
pub fn expiry(created: Instant, lifetime: Option<Duration>, seed: u64) -> Option<Instant> {
    let lifetime = lifetime?;
    let spread = (seed % 201) as f64 / 1000.0 - 0.1; // −10% … +10%
    Some(created + lifetime.mul_f64(1.0 + spread))
}

#[cfg(test)]
mod tests {
    use super::{backoff, expiry};
    use std::time::{Duration, Instant};

    #[test]
    fn backoff_doubles_from_100ms_to_5s() {
        assert_eq!(backoff(1, 20), Duration::from_millis(100));
        assert_eq!(backoff(2, 20), Duration::from_millis(200));
        assert_eq!(backoff(6, 20), Duration::from_millis(3200));
        assert_eq!(backoff(7, 20), Duration::from_millis(5000));
        assert_eq!(backoff(40, 20), Duration::from_millis(5000));
    }

    #[test]
    fn backoff_jitter_stays_within_a_fifth() {
        for seed in 0..100 {
            let d = backoff(3, seed).as_millis();
            assert!((320..=480).contains(&d), "{d}");
        }
    }

    #[test]
    fn lifetime_jitter_stays_within_a_tenth() {
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        for seed in 0..500 {
            let at = expiry(now, Some(minute), seed).unwrap() - now;
            assert!(at >= minute.mul_f64(0.9) && at <= minute.mul_f64(1.1), "{at:?}");
        }
        assert_eq!(expiry(now, None, 1), None);
    }
}
