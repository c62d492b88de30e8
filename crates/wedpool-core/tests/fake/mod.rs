//! A fake PostgreSQL server for engine tests: it speaks just enough of the wire protocol
//! (startup, simple queries, termination, FATAL errors) over an in-memory stream, so the pool's
//! real code — tokio-postgres, deadpool, the driver task, the engine — runs without a server and
//! on tokio's paused clock. Each connection attempt gets the next scripted [`Answer`]; open
//! connections can be closed or shut down like a restarting server would.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::oneshot;
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

#[derive(Default)]
struct State {
    script: VecDeque<Answer>,
    otherwise: Option<Answer>,
    attempts: Vec<tokio::time::Instant>,
    next_pid: i32,
    open: HashMap<i32, oneshot::Sender<Kill>>,
    queries: Vec<String>,
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

    /// Simple queries received, in order.
    pub fn queries(&self) -> Vec<String> {
        self.lock().queries.clone()
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

    fn forget(&self, pid: i32) {
        self.lock().open.remove(&pid);
    }
}

struct FakeConnector(FakeServer);

impl Connector for FakeConnector {
    fn connect(&self, config: &Config) -> BoxFuture<'static, Result<(Client, Driver), Error>> {
        let (client_end, server_end) = tokio::io::duplex(64 * 1024);
        let (answer, pid, kill) = self.0.next_attempt();
        tokio::spawn(serve(self.0.clone(), server_end, answer, pid, kill));
        let config = config.clone();
        Box::pin(async move {
            let (client, connection) = config.connect_raw(client_end, NoTls).await?;
            Ok((client, Box::pin(connection) as Driver))
        })
    }
}

async fn serve(server: FakeServer, mut io: DuplexStream, answer: Answer, pid: i32, mut kill: oneshot::Receiver<Kill>) {
    // Startup message: length, protocol version, parameters.
    let Ok(len) = io.read_i32().await else { return };
    let mut startup = vec![0; (len - 4).max(0) as usize];
    if io.read_exact(&mut startup).await.is_err() {
        return;
    }
    match answer {
        Answer::Close => return,
        Answer::Hang => {
            let mut sink = [0u8; 1024];
            while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {}
            return;
        }
        Answer::RejectPassword => {
            let _ = io.write_all(&error("FATAL", "28P01", "password authentication failed for user \"app\"")).await;
            return;
        }
        Answer::TooManyClients => {
            let _ = io.write_all(&error("FATAL", "53300", "sorry, too many clients already")).await;
            return;
        }
        Answer::Accept => {}
    }
    let mut hello = message(b'R', &0i32.to_be_bytes());
    hello.extend(message(b'K', &[pid.to_be_bytes(), 7i32.to_be_bytes()].concat()));
    hello.extend(ready());
    if io.write_all(&hello).await.is_err() {
        return;
    }
    let mut extended_failed = false;
    loop {
        let (kind, body) = tokio::select! {
            k = &mut kill => {
                if let Ok(Kill::AdminShutdown) = k {
                    let _ = io.write_all(&error("FATAL", "57P01", "terminating connection due to administrator command")).await;
                }
                return;
            }
            m = read_message(&mut io) => match m {
                Some(m) => m,
                None => break,
            },
        };
        let reply = match kind {
            b'Q' => {
                let sql = String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(&body)).into_owned();
                server.record_query(&sql);
                simple_query(&sql, pid)
            }
            b'X' => break,
            b'S' => {
                let mut out = Vec::new();
                if std::mem::take(&mut extended_failed) {
                    out.extend(error("ERROR", "0A000", "the fake server runs simple queries only"));
                }
                out.extend(ready());
                out
            }
            _ => {
                extended_failed = true;
                Vec::new()
            }
        };
        if io.write_all(&reply).await.is_err() {
            break;
        }
    }
    server.forget(pid);
}

async fn read_message(io: &mut DuplexStream) -> Option<(u8, Vec<u8>)> {
    let kind = io.read_u8().await.ok()?;
    let len = io.read_i32().await.ok()?;
    let mut body = vec![0; (len - 4).max(0) as usize];
    io.read_exact(&mut body).await.ok()?;
    Some((kind, body))
}

fn simple_query(sql: &str, pid: i32) -> Vec<u8> {
    let mut out = Vec::new();
    if sql.trim().is_empty() {
        out.extend(message(b'I', &[]));
    } else if sql.contains("pg_backend_pid") {
        let mut desc = 1i16.to_be_bytes().to_vec();
        desc.extend(b"pg_backend_pid\0");
        desc.extend(0i32.to_be_bytes()); // table oid
        desc.extend(0i16.to_be_bytes()); // column
        desc.extend(23i32.to_be_bytes()); // int4
        desc.extend(4i16.to_be_bytes());
        desc.extend((-1i32).to_be_bytes());
        desc.extend(0i16.to_be_bytes()); // text format
        out.extend(message(b'T', &desc));
        let text = pid.to_string();
        let mut row = 1i16.to_be_bytes().to_vec();
        row.extend((text.len() as i32).to_be_bytes());
        row.extend(text.as_bytes());
        out.extend(message(b'D', &row));
        out.extend(message(b'C', b"SELECT 1\0"));
    } else {
        let tag = sql.split_whitespace().next().unwrap_or("").to_uppercase();
        out.extend(message(b'C', format!("{tag}\0").as_bytes()));
    }
    out.extend(ready());
    out
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend(((body.len() + 4) as i32).to_be_bytes());
    out.extend(body);
    out
}

fn ready() -> Vec<u8> {
    message(b'Z', b"I")
}

fn error(severity: &str, code: &str, text: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [(b'S', severity), (b'V', severity), (b'C', code), (b'M', text)] {
        body.push(field);
        body.extend(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    message(b'E', &body)
}
