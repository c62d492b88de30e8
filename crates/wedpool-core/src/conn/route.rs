//! Several hosts (`postgres://u@h1:5432,h2:5433/db`, `host=h1,h2 port=5432,5433`) and
//! `target_session_attrs`: which host the next connection goes to, what each host turned out
//! to be, and which hosts were demoted (a primary that became read-only).
//!
//! With `target_session_attrs=any` tokio-postgres itself tries the hosts in order. For every
//! other value WedPool opens one host at a time (each attempt is aimed through its
//! [`crate::conn::driver::ConnectionFate`]), asks the server what it is, and moves on when it
//! does not fit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tokio_postgres::config::Host;
use tokio_postgres::{Config, SimpleQueryMessage};

use crate::config::session_attrs::{SessionState, TargetSessionAttrs};

/// The hosts of one pool and what is known about them.
#[derive(Debug)]
pub struct HostRoute {
    /// What a host must be.
    pub attrs: TargetSessionAttrs,
    /// One single-host configuration per host, in the order given (empty with one host and
    /// `any`: then the pool's configuration is used as it is).
    configs: Vec<Config>,
    /// `host:port` of each, for messages.
    names: Vec<String>,
    /// The host the next attempt starts at: the last one that fitted.
    preferred: AtomicUsize,
    /// Hosts that refused a write (25006) or reported recovery under a write target.
    demoted: Mutex<Vec<bool>>,
}

/// The SQL asking a server what it is (simple protocol: works through any pooler).
pub const SESSION_CHECK_SQL: &str = "select pg_is_in_recovery()::text, current_setting('transaction_read_only')";

impl HostRoute {
    /// Routes over the hosts of `pg` (already complete: ports, timeouts, keepalives).
    pub fn new(pg: &Config, attrs: TargetSessionAttrs) -> HostRoute {
        let count = pg.get_hosts().len().max(1);
        let names = (0..count).map(|i| host_name(pg, i)).collect();
        let configs = if attrs.needs_check() && count > 1 {
            (0..count).map(|i| single_host(pg, i)).collect()
        } else {
            Vec::new()
        };
        HostRoute { attrs, configs, names, preferred: AtomicUsize::new(0), demoted: Mutex::new(vec![false; count]) }
    }

    /// How many hosts there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// The configuration for host `index`, when attempts are aimed.
    pub fn config_for(&self, index: usize) -> Option<&Config> {
        self.configs.get(index)
    }

    /// `host:port` of host `index`.
    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map(String::as_str).unwrap_or("?")
    }

    /// The order in which one connection attempt tries the hosts: the last good one first.
    pub fn attempt_order(&self) -> Vec<usize> {
        let n = self.len();
        let start = self.preferred.load(Ordering::Relaxed) % n;
        (0..n).map(|i| (start + i) % n).collect()
    }

    /// A connection to `index` fitted: start there next time, and it is not demoted (any more).
    pub fn fitted(&self, index: usize) {
        self.preferred.store(index, Ordering::Relaxed);
        if let Some(flag) = self.lock().get_mut(index) {
            *flag = false;
        }
    }

    /// Marks `index` demoted; returns whether it was not already.
    pub fn demote(&self, index: usize) -> bool {
        let mut demoted = self.lock();
        let newly = demoted.get(index).is_some_and(|d| !d);
        if let Some(flag) = demoted.get_mut(index) {
            *flag = true;
        }
        if self.preferred.load(Ordering::Relaxed) == index {
            self.preferred.store((index + 1) % self.len(), Ordering::Relaxed);
        }
        newly
    }

    /// Whether `index` was demoted and has not fitted since.
    pub fn is_demoted(&self, index: usize) -> bool {
        self.lock().get(index).copied().unwrap_or(false)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<bool>> {
        self.demoted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Asks the server whether it is in recovery and read-only ([`SESSION_CHECK_SQL`]).
pub async fn session_state(client: &tokio_postgres::Client) -> Result<SessionState, tokio_postgres::Error> {
    let messages = client.simple_query(SESSION_CHECK_SQL).await?;
    let row = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some((row.get(0) == Some("true"), row.get(1) == Some("on"))),
        _ => None,
    });
    let (in_recovery, read_only) = row.unwrap_or((false, false));
    Ok(SessionState { in_recovery, read_only })
}

fn host_name(pg: &Config, i: usize) -> String {
    let port = port_of(pg, i);
    match pg.get_hosts().get(i) {
        Some(Host::Tcp(name)) => format!("{name}:{port}"),
        #[cfg(unix)]
        Some(Host::Unix(path)) => format!("{}:{port}", path.display()),
        None => format!("localhost:{port}"),
    }
}

fn port_of(pg: &Config, i: usize) -> u16 {
    let ports = pg.get_ports();
    match ports.len() {
        0 => 5432,
        1 => ports[0],
        _ => ports.get(i).copied().unwrap_or(5432),
    }
}

/// `pg` with only host `i` (and its port and hostaddr); every other setting copied.
fn single_host(pg: &Config, i: usize) -> Config {
    let mut c = Config::new();
    if let Some(v) = pg.get_user() {
        c.user(v);
    }
    if let Some(v) = pg.get_password() {
        c.password(v);
    }
    if let Some(v) = pg.get_dbname() {
        c.dbname(v);
    }
    if let Some(v) = pg.get_options() {
        c.options(v);
    }
    if let Some(v) = pg.get_application_name() {
        c.application_name(v);
    }
    c.ssl_mode(pg.get_ssl_mode());
    c.ssl_negotiation(pg.get_ssl_negotiation());
    c.channel_binding(pg.get_channel_binding());
    match &pg.get_hosts()[i] {
        Host::Tcp(name) => {
            c.host(name);
        }
        #[cfg(unix)]
        Host::Unix(path) => {
            c.host_path(path);
        }
    }
    if let Some(addr) = pg.get_hostaddrs().get(i) {
        c.hostaddr(*addr);
    }
    c.port(port_of(pg, i));
    if let Some(t) = pg.get_connect_timeout() {
        c.connect_timeout(*t);
    }
    if let Some(t) = pg.get_tcp_user_timeout() {
        c.tcp_user_timeout(*t);
    }
    c.keepalives(pg.get_keepalives());
    c.keepalives_idle(pg.get_keepalives_idle());
    if let Some(t) = pg.get_keepalives_interval() {
        c.keepalives_interval(t);
    }
    if let Some(n) = pg.get_keepalives_retries() {
        c.keepalives_retries(n);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn each_host_gets_its_own_port_and_every_other_setting() {
        let mut pg = Config::from_str("postgres://app:pw@h1:5432,h2:5433/wed?application_name=x").unwrap();
        pg.connect_timeout(std::time::Duration::from_secs(3));
        let route = HostRoute::new(&pg, TargetSessionAttrs::ReadWrite);
        assert!(route.config_for(0).is_some(), "attempts are aimed");
        assert_eq!((route.name(0), route.name(1)), ("h1:5432", "h2:5433"));
        let second = route.config_for(1).unwrap();
        assert_eq!(second.get_hosts(), &[Host::Tcp("h2".into())]);
        assert_eq!(second.get_ports(), &[5433]);
        assert_eq!(second.get_password(), Some(&b"pw"[..]));
        assert_eq!(second.get_dbname(), Some("wed"));
        assert_eq!(second.get_connect_timeout(), Some(&std::time::Duration::from_secs(3)));
    }

    #[test]
    fn key_value_hosts_share_a_single_port() {
        let pg = Config::from_str("host=h1,h2 port=6000 user=u").unwrap();
        let route = HostRoute::new(&pg, TargetSessionAttrs::Primary);
        assert_eq!((route.name(0), route.name(1)), ("h1:6000", "h2:6000"));
    }

    #[test]
    fn any_with_one_host_is_not_aimed() {
        let pg = Config::from_str("host=h1 user=u").unwrap();
        assert!(HostRoute::new(&pg, TargetSessionAttrs::Any).config_for(0).is_none());
        let two = Config::from_str("host=h1,h2 user=u").unwrap();
        assert!(HostRoute::new(&two, TargetSessionAttrs::Any).config_for(0).is_none());
    }

    #[test]
    fn a_demoted_host_is_tried_last_until_it_fits_again() {
        let pg = Config::from_str("host=a,b,c user=u").unwrap();
        let route = HostRoute::new(&pg, TargetSessionAttrs::ReadWrite);
        assert_eq!(route.attempt_order(), vec![0, 1, 2]);
        assert!(route.demote(0));
        assert!(!route.demote(0), "already demoted");
        assert_eq!(route.attempt_order(), vec![1, 2, 0]);
        route.fitted(2);
        assert_eq!(route.attempt_order(), vec![2, 0, 1]);
        assert!(route.is_demoted(0));
        route.fitted(0);
        assert!(!route.is_demoted(0));
    }
}
