//! Slot accounting for the emergency reserve.
//!
//! The pool has `max` slots. `reserve` of them are *reserved*: only requests that may use the
//! reserve (wedding-critical, on a wedding day) take them. Everyone else shares the
//! `max − reserve` *normal* slots. A reserve-eligible request prefers a reserved slot so that
//! normal traffic keeps its share, and falls back to a normal slot when the reserve is busy.

/// Which kind of slot a borrowed connection occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// One of the `max − reserve` slots everyone shares.
    Normal,
    /// One of the emergency slots.
    Reserved,
}

/// How many slots of each kind are in use, against the current limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservations {
    max: usize,
    reserve: usize,
    normal_in_use: usize,
    reserved_in_use: usize,
}

impl Reservations {
    /// Limits of `max` slots in all, `reserve` of them reserved (clamped to `max`).
    pub fn new(max: usize, reserve: usize) -> Self {
        Reservations { max, reserve: reserve.min(max), normal_in_use: 0, reserved_in_use: 0 }
    }

    /// Changes the total (scaling). Slots in use above the new limit stay in use until returned.
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// The current total.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The configured reserve.
    pub fn reserve(&self) -> usize {
        self.reserve.min(self.max)
    }

    /// Slots in use, of both kinds.
    pub fn in_use(&self) -> usize {
        self.normal_in_use + self.reserved_in_use
    }

    /// Reserved slots in use.
    pub fn reserved_in_use(&self) -> usize {
        self.reserved_in_use
    }

    /// Normal slots that can be taken now.
    pub fn free_normal(&self) -> usize {
        let cap = self.max.saturating_sub(self.reserve());
        cap.saturating_sub(self.normal_in_use).min(self.max.saturating_sub(self.in_use()))
    }

    /// Reserved slots that can be taken now.
    pub fn free_reserved(&self) -> usize {
        self.reserve().saturating_sub(self.reserved_in_use).min(self.max.saturating_sub(self.in_use()))
    }

    /// The slot a request would get now: a reserve-eligible request prefers a reserved slot.
    pub fn available_for(&self, may_use_reserve: bool) -> Option<SlotKind> {
        if may_use_reserve && self.free_reserved() > 0 {
            Some(SlotKind::Reserved)
        } else if self.free_normal() > 0 {
            Some(SlotKind::Normal)
        } else {
            None
        }
    }

    /// Marks a slot as taken. The caller has checked [`Reservations::available_for`].
    pub fn take(&mut self, kind: SlotKind) {
        match kind {
            SlotKind::Normal => self.normal_in_use += 1,
            SlotKind::Reserved => self.reserved_in_use += 1,
        }
    }

    /// Returns a slot.
    pub fn give_back(&mut self, kind: SlotKind) {
        match kind {
            SlotKind::Normal => self.normal_in_use = self.normal_in_use.saturating_sub(1),
            SlotKind::Reserved => self.reserved_in_use = self.reserved_in_use.saturating_sub(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_requests_are_capped_below_the_reserve() {
        let mut r = Reservations::new(10, 2);
        for _ in 0..8 {
            let slot = r.available_for(false).unwrap();
            assert_eq!(slot, SlotKind::Normal);
            r.take(slot);
        }
        assert_eq!(r.available_for(false), None);
        assert_eq!(r.available_for(true), Some(SlotKind::Reserved));
    }

    #[test]
    fn critical_request_prefers_the_reserve_then_normal_slots() {
        let mut r = Reservations::new(4, 1);
        assert_eq!(r.available_for(true), Some(SlotKind::Reserved));
        r.take(SlotKind::Reserved);
        assert_eq!(r.available_for(true), Some(SlotKind::Normal));
    }

    #[test]
    fn nothing_above_max_after_scaling_down() {
        let mut r = Reservations::new(10, 2);
        for _ in 0..8 {
            r.take(SlotKind::Normal);
        }
        r.set_max(5);
        assert_eq!(r.available_for(false), None);
        assert_eq!(r.available_for(true), None);
        for _ in 0..4 {
            r.give_back(SlotKind::Normal);
        }
        assert_eq!(r.available_for(true), Some(SlotKind::Reserved));
        assert_eq!(r.available_for(false), None, "normal cap is 3 and 4 are in use");
    }

    #[test]
    fn reserve_never_exceeds_max() {
        let r = Reservations::new(2, 5);
        assert_eq!(r.reserve(), 2);
        assert_eq!(r.free_normal(), 0);
    }
}
