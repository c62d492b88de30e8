//! A fake PostgreSQL server for engine tests: it speaks just enough of the wire protocol
//! (startup, simple queries, termination, FATAL errors, and the one extended-protocol statement
//! the pool sends itself: the fleet reading) over an in-memory stream, so the pool's real code
//! — tokio-postgres, deadpool, the driver task, the engine — runs without a server and on
//! tokio's paused clock. Each connection attempt gets the next scripted [`Answer`]; open
//! connections can be closed, shut down like a restarting server would, or stalled like a
//! backend that stopped answering. `SELECT pg_sleep(s)` answers after `s` seconds of (paused)
//! time.
#![allow(dead_code)]

mod wire;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::oneshot;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, Error, NoTls};
use wedpool_core::{Connector, Driver};

/// How the fake server answers one connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Completes the startup and serves simple queries.
    Accept,
    /// FATAL 28P01 password authentication failed.
    RejectPassword,
    /// FATAL 53300 too many clients.
    TooManyClients,
    /// Reads the startup message and never answers.
    Hang,
    /// Closes the stream as soon as the startup message arrives.
    Close,
}

/// How an open connection is ended from the server side.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// The socket closes without a word.
    Close,
    /// FATAL 57P01 (administrator command), then the socket closes.
    AdminShutdown,
}

/// What the server reports to the pool's fleet reading (`FLEET_SQL`). The columns `mine` and
/// `ours` are counted from the connections the fake holds open, plus `other_instances_open`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fleet {
    /// `max_connections`.
    pub max_connections: i32,
    /// `superuser_reserved_connections`.
    pub superuser_reserved: i32,
    /// Client connections of other applications.
    pub others: i32,
    /// Connections other instances of this application hold open.
    pub other_instances_open: i32,
    /// Live instances of this application, this one included.
    pub instances: i32,
    /// Instances whose name sorts before this one's.
    pub rank: i32,
    /// Slots other instances claimed whose connections are not open yet.
    pub pending: i32,
}

#[derive(Default)]
struct State {
    script: VecDeque<Answer>,
    otherwise: Option<Answer>,
    attempts: Vec<tokio::time::Instant>,
    next_pid: i32,
    open: HashMap<i32, oneshot::Sender<Kill>>,
    stalled: HashSet<i32>,
    queries: Vec<String>,
    fleet: Option<Fleet>,
    read_only: HashSet<String>,
    lock_refusals: usize,
    hosts: HashMap<i32, String>,
}

/// The fake server; cloning shares it. Use [`FakeServer::connector`] as the pool's connector.
#[derive(Clone, Default)]
pub struct FakeServer {
    state: Arc<Mutex<State>>,
}

impl FakeServer {
    /// A server that accepts every attempt.
    pub fn new() -> Self {
        FakeServer::default()
    }

    /// The connector to give the pool.
    pub fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(FakeConnector(self.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The next attempts get these answers, in order; later ones get the default.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.lock().script.extend(answers);
    }

    /// The answer once the script is used up (initially [`Answer::Accept`]).
    pub fn answer_otherwise(&self, answer: Answer) {
        self.lock().otherwise = Some(answer);
    }

    /// What the fleet reading reports from now on (without it, the reading fails with an
    /// error, as for any extended-protocol statement).
    pub fn set_fleet(&self, fleet: Fleet) {
        self.lock().fleet = Some(fleet);
    }

    /// When each connection attempt arrived (tokio's clock).
    pub fn attempts(&self) -> Vec<tokio::time::Instant> {
        self.lock().attempts.clone()
    }

    /// Process ids of the connections the server holds open.
    pub fn open_pids(&self) -> Vec<i32> {
        let mut pids: Vec<_> = self.lock().open.keys().copied().collect();
        pids.sort();
        pids
    }

    /// Statements received (simple queries, and the SQL of extended-protocol Parse messages),
    /// in order.
    pub fn queries(&self) -> Vec<String> {
        self.lock().queries.clone()
    }

    /// How many statements received so far contain `needle`.
    pub fn count_queries(&self, needle: &str) -> usize {
        self.lock().queries.iter().filter(|q| q.contains(needle)).count()
    }

    /// Closes one connection's socket (a crashed backend, a cut network).
    pub fn close(&self, pid: i32) {
        if let Some(kill) = self.lock().open.remove(&pid) {
            let _ = kill.send(Kill::Close);
        }
    }

    /// Ends every connection with FATAL 57P01, as a server shutting down does.
    pub fn shut_down_all(&self) {
        for (_, kill) in self.lock().open.drain() {
            let _ = kill.send(Kill::AdminShutdown);
        }
    }

    /// `host` refuses writes from now on (25006) and reports itself in recovery: a primary
    /// demoted to a standby. Without hosts named in the connection string, the host is
    /// `fake.invalid`.
    pub fn make_read_only(&self, host: &str) {
        self.lock().read_only.insert(host.to_string());
    }

    /// The next `n` requests for the fleet's claim lock fail with 55P03 (lock_timeout: another
    /// instance held it too long).
    pub fn refuse_claim_lock(&self, n: usize) {
        self.lock().lock_refusals = n;
    }

    /// `host` takes writes again and reports itself out of recovery: a promoted standby.
    pub fn promote(&self, host: &str) {
        self.lock().read_only.remove(host);
    }

    /// The host each open connection went to, by process id.
    pub fn host_of(&self, pid: i32) -> Option<String> {
        self.lock().hosts.get(&pid).cloned()
    }

    /// One connection keeps its socket open but never answers again (a backend stuck behind a
    /// dead network path, say).
    pub fn stall(&self, pid: i32) {
        self.lock().stalled.insert(pid);
    }

    fn next_attempt(&self) -> (Answer, i32, oneshot::Receiver<Kill>) {
        let mut st = self.lock();
        st.attempts.push(tokio::time::Instant::now());
        let answer = st.script.pop_front().or(st.otherwise).unwrap_or(Answer::Accept);
        st.next_pid += 1;
        let pid = 1000 + st.next_pid;
        let (tx, rx) = oneshot::channel();
        if answer == Answer::Accept {
            st.open.insert(pid, tx);
        }
        (answer, pid, rx)
    }

    fn record_query(&self, sql: &str) {
        self.lock().queries.push(sql.to_string());
    }

    /// Whether this request for the claim lock is refused (using up one refusal).
    fn refuses_lock(&self) -> bool {
        let mut st = self.lock();
        let refuse = st.lock_refusals > 0;
        st.lock_refusals = st.lock_refusals.saturating_sub(1);
        refuse
    }

    fn is_read_only(&self, host: &str) -> bool {
        self.lock().read_only.contains(host)
    }

    fn is_stalled(&self, pid: i32) -> bool {
        self.lock().stalled.contains(&pid)
    }

    /// The fleet row as it stands now, with `mine`/`ours` counted from the open connections.
    fn fleet_row(&self) -> Option<[(&'static str, i32); 9]> {
        let st = self.lock();
        let f = st.fleet?;
        let mine = st.open.len() as i32;
        Some([
            ("max_connections", f.max_connections),
            ("superuser_reserved", f.superuser_reserved),
            ("reserved", 0),
            ("others", f.others),
            ("ours", mine + f.other_instances_open),
            ("mine", mine),
            ("instances", f.instances),
            ("rank", f.rank),
            ("pending", f.pending),
        ])
    }

    fn forget(&self, pid: i32) {
        let mut st = self.lock();
        st.open.remove(&pid);
        st.stalled.remove(&pid);
    }
}

struct FakeConnector(FakeServer);

impl Connector for FakeConnector {
    fn connect(&self, config: &Config) -> BoxFuture<'static, Result<(Client, Driver), Error>> {
        let (client_end, server_end) = tokio::io::duplex(64 * 1024);
        let (answer, pid, kill) = self.0.next_attempt();
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            _ => String::new(),
        };
        self.0.lock().hosts.insert(pid, host.clone());
        tokio::spawn(wire::serve(self.0.clone(), server_end, host, answer, pid, kill));
        let config = config.clone();
        Box::pin(async move {
            let (client, connection) = config.connect_raw(client_end, NoTls).await?;
            Ok((client, Box::pin(connection) as Driver))
        })
    }
}
