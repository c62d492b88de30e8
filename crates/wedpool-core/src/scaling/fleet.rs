//! The fleet budget: several instances of one application share the server's
//! `max_connections`. Each pool keeps its max within its share:
//! `fair = (max_connections − superuser_reserved − reserved − other applications' connections −
//! safety margin) ÷ live instances of the same application`. So that instances starting at
//! different moments never overshoot the server together, an instance only grows into its part
//! of the slots free right now: `share = min(fair, mine + ⌈free ÷ instances⌉)` (instances
//! reading at the same moment then take the free slots between them, overshooting by less than
//! one slot each, which the safety margin absorbs). Instances above their fair share
//! shrink at their next reading (by idle retirement), which frees slots for the others. Pure
//! arithmetic here; the SQL that feeds it is [`FLEET_SQL`], run by the maintenance task.

/// What the server says about its connection slots and who uses them. `$1` is the
/// application's `application_name` prefix, `wedpool:<app>:%`; `$2` this instance's name.
pub const FLEET_SQL: &str = "select current_setting('max_connections')::int as max_connections, \
     current_setting('superuser_reserved_connections')::int as superuser_reserved, \
     coalesce((select setting::int from pg_settings where name = 'reserved_connections'), 0) as reserved, \
     (select count(*) from pg_stat_activity where backend_type = 'client backend' \
        and coalesce(application_name, '') not like $1)::int as others, \
     (select count(*) from pg_stat_activity where application_name like $1)::int as ours, \
     (select count(*) from pg_stat_activity where application_name = $2)::int as mine, \
     (select count(distinct application_name) from pg_stat_activity where application_name like $1)::int as instances";

/// One reading of [`FLEET_SQL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FleetSnapshot {
    /// `max_connections`.
    pub max_connections: usize,
    /// `superuser_reserved_connections`.
    pub superuser_reserved: usize,
    /// `reserved_connections` (PostgreSQL 16+; 0 before).
    pub reserved: usize,
    /// Client connections of other applications.
    pub others: usize,
    /// Connections of every instance of this application.
    pub ours: usize,
    /// Connections of this instance.
    pub mine: usize,
    /// Live instances of this application (at least this one).
    pub instances: usize,
}

impl FleetSnapshot {
    /// Slots this application may use after keeping `margin` free.
    fn usable(&self, margin: usize) -> usize {
        self.max_connections
            .saturating_sub(self.superuser_reserved)
            .saturating_sub(self.reserved)
            .saturating_sub(self.others)
            .saturating_sub(margin)
    }

    /// The fair share: usable slots divided among the live instances.
    pub fn fair_share(&self, margin: usize) -> usize {
        self.usable(margin) / self.instances.max(1)
    }

    /// This instance's max: its fair share, but growing only into its part of the slots free
    /// now; at least 1. `open` is what this instance has open or is opening — connections
    /// still being opened do not show in `pg_stat_activity` yet, and counting them keeps an
    /// instance from claiming the same free slots twice.
    pub fn share(&self, margin: usize, open: usize) -> usize {
        let mine = self.mine.max(open);
        let ours = self.ours - self.mine.min(self.ours) + mine;
        let free = self.usable(margin).saturating_sub(ours);
        self.fair_share(margin).min(mine + free.div_ceil(self.instances.max(1))).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(others: usize, ours: usize, mine: usize, instances: usize) -> FleetSnapshot {
        FleetSnapshot { max_connections: 40, superuser_reserved: 3, reserved: 0, others, ours, mine, instances }
    }

    #[test]
    fn share_divides_what_is_left_among_instances() {
        assert_eq!(snapshot(1, 3, 1, 3).share(3, 0), 11); // (40 − 3 − 1 − 3) / 3
    }

    #[test]
    fn a_newcomer_grows_only_into_free_slots() {
        // The first instance holds 30 of the 34 usable slots: the second may take half of the 3
        // free ones (rounded up) for now.
        assert_eq!(snapshot(0, 31, 1, 2).share(3, 0), 3);
        // The first instance is told to shrink to its fair share.
        assert_eq!(snapshot(0, 31, 30, 2).share(3, 0), 17);
    }

    #[test]
    fn connections_being_opened_count_as_taken() {
        // 4 free slots, but this instance is already opening 3 beyond the 1 the server shows.
        assert_eq!(snapshot(0, 30, 1, 2).share(3, 4), 4 + 1);
    }

    #[test]
    fn share_is_never_zero() {
        assert_eq!(snapshot(60, 1, 1, 4).share(3, 0), 1);
    }

    #[test]
    fn a_lone_instance_gets_everything_but_the_margin() {
        let s = FleetSnapshot {
            max_connections: 100,
            superuser_reserved: 3,
            reserved: 2,
            others: 0,
            ours: 1,
            mine: 1,
            instances: 1,
        };
        assert_eq!(s.share(5, 0), 90);
    }
}
