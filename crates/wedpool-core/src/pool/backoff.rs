//! Spreading connection attempts and retirements in time: the retry backoff after failures,
//! the jittered end of a connection's lifetime, and the per-pool random source behind both.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// Delay before the next connection attempt after `failures` consecutive failures:
/// 100 ms doubling up to 5 s, with ±20% jitter drawn from `random` (uniform over `u64`) so that
/// many pools do not retry in step.
pub fn backoff(failures: u32, random: u64) -> Duration {
    let base = Duration::from_millis(100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(5_000));
    // A fraction in [0, 1) from the top 53 bits, mapped to a factor in [0.8, 1.2).
    let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
    base.mul_f64(0.8 + 0.4 * unit).max(Duration::from_millis(1))
}

/// A connection's retirement time: `lifetime` ±10%, spread by `seed`.
pub fn expiry(created: Instant, lifetime: Option<Duration>, seed: u64) -> Option<Instant> {
    let lifetime = lifetime?;
    let spread = (seed % 201) as f64 / 1000.0 - 0.1; // −10% … +10%
    Some(created + lifetime.mul_f64(1.0 + spread))
}

/// A pool's own random source for jitter: SplitMix64 seeded from std's `RandomState` (random
/// keys from the operating system per process, a different key for every call in it), the clock
/// and the process id, so that pools in one process and pools in many processes draw
/// independent sequences.
/// Not cryptographic; it only has to keep a fleet from retrying in step.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A source with a fresh, independent seed.
    pub fn new() -> Self {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        h.write_u128(now);
        h.write_u32(std::process::id());
        Jitter { state: h.finish() }
    }

    /// A source with a fixed seed (tests and simulations).
    #[cfg(test)]
    pub fn seeded(seed: u64) -> Self {
        Jitter { state: seed }
    }

    /// The next uniformly distributed `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff, expiry, Jitter};
    use std::time::{Duration, Instant};

    #[test]
    fn backoff_doubles_from_100ms_to_5s() {
        let middle = u64::MAX / 2;
        assert_eq!(backoff(1, middle).as_millis(), 100);
        assert_eq!(backoff(2, middle).as_millis(), 200);
        assert_eq!(backoff(6, middle).as_millis(), 3200);
        assert_eq!(backoff(7, middle).as_millis(), 5000);
        assert_eq!(backoff(40, middle).as_millis(), 5000);
    }

    #[test]
    fn backoff_jitter_stays_within_a_fifth() {
        let mut rng = Jitter::seeded(7);
        for _ in 0..1000 {
            let d = backoff(3, rng.next_u64()).as_millis();
            assert!((320..480).contains(&d), "{d}");
        }
    }

    #[test]
    fn independent_sources_spread_the_same_attempt_over_the_whole_jitter_range() {
        // Sixty-four pools failing in step: their 5th delays must not coincide.
        let delays: Vec<u128> = (0..64).map(|_| backoff(5, Jitter::new().next_u64()).as_millis()).collect();
        let (min, max) = (*delays.iter().min().unwrap(), *delays.iter().max().unwrap());
        assert!(min < 1600 * 9 / 10 && max > 1600 * 11 / 10, "{delays:?}");
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
