//! The fleet budget: several instances of one application share the server's
//! `max_connections`. Pure arithmetic here; the SQL that feeds it is [`FLEET_SQL`], the claim
//! protocol that makes openings safe is in `pool::claim`.
//!
//! * **Fair share** — `usable = max_connections − superuser_reserved − reserved − other
//!   applications' connections − safety margin`, divided among the live instances of the
//!   application; the remainder goes one slot each to the first instances by name, so the
//!   shares add up to `usable` exactly. A pool's max is its fair share; an instance above it
//!   shrinks as its connections come back.
//! * **Grant** — how many connections an instance may open now, decided while it holds the
//!   fleet's claim lock (so no other instance is opening at the same time and the reading is
//!   exact): never more than it wants, than its fair share leaves, or than the server has free
//!   after the margin.

/// What the server says about its connection slots and who uses them. `$1` is the
/// application's `application_name` prefix, `wedpool:<app>:%`; `$2` this instance's name.
pub const FLEET_SQL: &str = "select current_setting('max_connections')::int as max_connections, \
     current_setting('superuser_reserved_connections')::int as superuser_reserved, \
     coalesce((select setting::int from pg_settings where name = 'reserved_connections'), 0) as reserved, \
     (select count(*) from pg_stat_activity where backend_type = 'client backend' \
        and coalesce(application_name, '') not like $1)::int as others, \
     (select count(*) from pg_stat_activity where application_name like $1)::int as ours, \
     (select count(*) from pg_stat_activity where application_name = $2)::int as mine, \
     (select count(distinct application_name) from pg_stat_activity where application_name like $1)::int as instances, \
     (select count(distinct application_name) from pg_stat_activity \
        where application_name like $1 and application_name < $2)::int as rank, \
     (select count(*) from pg_locks where locktype = 'advisory' and classid = 2003133552 \
        and objsubid = 2 and granted)::int as pending";

/// The first key of the advisory locks that stand for claimed slots not open yet (`wedp` in
/// ASCII; [`FLEET_SQL`] counts them as `pending`).
pub const PENDING_KEY: i32 = 0x7765_6470;

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
    /// Instances whose name sorts before this one's (0 for the first).
    pub rank: usize,
    /// Slots claimed by any instance (of any application) whose connections are not open yet.
    pub pending: usize,
}

impl FleetSnapshot {
    /// Slots this application may use after keeping `margin` free.
    pub fn usable(&self, margin: usize) -> usize {
        self.max_connections
            .saturating_sub(self.superuser_reserved)
            .saturating_sub(self.reserved)
            .saturating_sub(self.others)
            .saturating_sub(margin)
    }

    /// The margin to keep while instances are joining: the configured `margin`, or a quarter
    /// of the slots this application could use, whichever is larger. A newcomer's first
    /// connection cannot be claimed (it has nothing to claim with yet), so while a fleet is
    /// starting the others leave room for it.
    pub fn joining_margin(&self, margin: usize) -> usize {
        margin.max(self.usable(0).div_ceil(4))
    }

    /// This instance's fair share: the usable slots divided among the live instances, the
    /// remainder one each to the first by name; at least 1.
    pub fn fair_share(&self, margin: usize) -> usize {
        let instances = self.instances.max(1);
        let usable = self.usable(margin);
        (usable / instances + usize::from(self.rank < usable % instances)).max(1)
    }

    /// How many connections this instance may open now, wanting `wanted` more while it has
    /// `open` open or being opened. Only meaningful for a reading taken under the claim lock.
    pub fn grant(&self, margin: usize, wanted: usize, open: usize) -> usize {
        let mine = self.mine.max(open);
        let ours = self.ours - self.mine.min(self.ours) + mine;
        let free = self.usable(margin).saturating_sub(ours).saturating_sub(self.pending);
        wanted.min(free).min(self.fair_share(margin).saturating_sub(mine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(others: usize, ours: usize, mine: usize, instances: usize, rank: usize) -> FleetSnapshot {
        FleetSnapshot {
            max_connections: 40,
            superuser_reserved: 3,
            reserved: 0,
            others,
            ours,
            mine,
            instances,
            rank,
            pending: 0,
        }
    }

    #[test]
    fn shares_divide_what_is_left_and_add_up_to_it() {
        // (40 − 3 − 1 − 3) = 33 among 3 instances: 11 each.
        assert_eq!(snapshot(1, 3, 1, 3, 0).fair_share(3), 11);
        // 34 among 4: 9, 9, 8, 8.
        let shares: Vec<usize> = (0..4).map(|rank| snapshot(0, 4, 1, 4, rank).fair_share(3)).collect();
        assert_eq!(shares, [9, 9, 8, 8]);
    }

    #[test]
    fn a_grant_never_exceeds_the_free_slots() {
        // The first instance holds 30 of the 34 usable slots: a newcomer may open the 3 free ones.
        assert_eq!(snapshot(0, 31, 1, 2, 1).grant(3, 50, 1), 3);
    }

    #[test]
    fn slots_claimed_but_not_open_yet_count_as_taken() {
        let s = FleetSnapshot { pending: 2, ..snapshot(0, 31, 1, 2, 1) };
        assert_eq!(s.grant(3, 50, 1), 1);
    }

    #[test]
    fn a_grant_never_exceeds_the_fair_share() {
        assert_eq!(snapshot(0, 2, 1, 2, 0).grant(3, 50, 1), 16); // share 17, 1 held
        assert_eq!(snapshot(0, 31, 30, 2, 0).grant(3, 50, 30), 0); // above its share
    }

    #[test]
    fn a_grant_never_exceeds_what_is_wanted() {
        assert_eq!(snapshot(0, 2, 1, 2, 0).grant(3, 4, 1), 4);
    }

    #[test]
    fn connections_being_opened_count_as_held() {
        // The server shows 1 of this instance's connections; 5 are open or being opened.
        assert_eq!(snapshot(0, 10, 1, 2, 0).grant(3, 50, 5), 12);
    }

    #[test]
    fn while_instances_join_a_quarter_of_the_slots_stays_free() {
        // 37 slots for this application: 10 kept free instead of 3.
        assert_eq!(snapshot(0, 2, 1, 2, 0).joining_margin(3), 10);
        assert_eq!(snapshot(0, 2, 1, 2, 0).fair_share(10), 14);
        assert_eq!(snapshot(30, 2, 1, 2, 0).joining_margin(3), 3);
    }

    #[test]
    fn the_sql_counts_the_pending_claims_under_their_key() {
        assert!(FLEET_SQL.contains(&format!("classid = {PENDING_KEY} ")));
    }

    #[test]
    fn share_is_never_zero() {
        assert_eq!(snapshot(60, 1, 1, 4, 3).fair_share(3), 1);
        assert_eq!(snapshot(60, 1, 1, 4, 3).grant(3, 5, 1), 0);
    }

    #[test]
    fn a_lone_instance_gets_everything_but_the_margin() {
        let s = FleetSnapshot { reserved: 2, ours: 1, mine: 1, instances: 1, ..snapshot(0, 1, 1, 1, 0) };
        let s = FleetSnapshot { max_connections: 100, ..s };
        assert_eq!(s.fair_share(5), 90);
    }
}
