// mulberry32: a small, fast, seedable PRNG, uniform in [0, 1). Same seed, same sequence. Shared
// by the demo's traffic schedule and the fuzz suite's generators (CommonJS so both can load it).
'use strict';

/** A generator of uniform numbers in [0, 1) seeded with `seed`. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

exports.rng = rng;
