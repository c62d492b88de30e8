//! The fake server's side of the wire: startup, the message loop, and encoding replies.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::oneshot;

use super::{Answer, FakeServer, Kill};

/// Serves one connection to `host` as `answer` says, until the client leaves or `kill` fires.
pub(super) async fn serve(
    server: FakeServer,
    mut io: DuplexStream,
    host: String,
    answer: Answer,
    pid: i32,
    mut kill: oneshot::Receiver<Kill>,
) {
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
    // The extended protocol: statements by name, the bound portal's SQL, replies held until
    // Sync (or Flush).
    let mut statements: HashMap<String, String> = HashMap::new();
    let mut bound = String::new();
    let mut out = Vec::new();
    // After an error, the server ignores messages until Sync.
    let mut failed = false;
    loop {
        let (kind, body) = tokio::select! {
            k = &mut kill => return end(&mut io, k).await,
            m = read_message(&mut io) => match m {
                Some(m) => m,
                None => break,
            },
        };
        if failed && kind != b'S' {
            continue;
        }
        let mut fields = body.split(|&b| b == 0).map(|f| String::from_utf8_lossy(f).into_owned());
        let mut field = || fields.next().unwrap_or_default();
        match kind {
            b'Q' => {
                let sql = field();
                server.record_query(&sql);
                if let Some(delay) = sleep_of(&sql) {
                    tokio::select! {
                        k = &mut kill => return end(&mut io, k).await,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
                if sql.contains("pg_advisory_xact_lock") && server.refuses_lock() {
                    out.extend(error("ERROR", "55P03", "canceling statement due to lock timeout"));
                    out.extend(ready());
                } else {
                    out.extend(simple_query(&sql, pid, server.is_read_only(&host)));
                }
            }
            b'P' => {
                let name = field();
                let sql = field();
                server.record_query(&sql);
                statements.insert(name, sql);
                out.extend(message(b'1', &[]));
            }
            b'B' => {
                let _portal = field();
                bound = statements.get(&field()).cloned().unwrap_or_default();
                out.extend(message(b'2', &[]));
            }
            b'D' => {
                let sql = match body.first() {
                    Some(b'S') => {
                        out.extend(message(b't', &0i16.to_be_bytes()));
                        statements.get(&cstr(&body[1..])).cloned().unwrap_or_default()
                    }
                    _ => bound.clone(),
                };
                out.extend(match fleet_of(&server, &sql) {
                    Some(row) => row_description(&row),
                    None => message(b'n', &[]),
                });
            }
            b'E' => {
                if let Some(delay) = sleep_of(&bound) {
                    tokio::select! {
                        k = &mut kill => return end(&mut io, k).await,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
                if writes(&bound) && server.is_read_only(&host) {
                    out.extend(error("ERROR", "25006", "cannot execute a write in a read-only transaction"));
                    failed = true;
                    continue;
                }
                if let Some(row) = fleet_of(&server, &bound) {
                    out.extend(data_row(&row));
                }
                out.extend(complete(&bound));
            }
            b'C' => out.extend(message(b'3', &[])),
            b'S' => {
                failed = false;
                out.extend(ready());
            }
            b'X' => break,
            _ => {}
        }
        if !matches!(kind, b'Q' | b'S' | b'H') {
            continue;
        }
        let reply = std::mem::take(&mut out);
        if server.is_stalled(pid) {
            continue;
        }
        if io.write_all(&reply).await.is_err() {
            break;
        }
    }
    server.forget(pid);
}

/// Ends the connection as `kill` says (the sender dropped: just close).
async fn end(io: &mut DuplexStream, kill: Result<Kill, oneshot::error::RecvError>) {
    if let Ok(Kill::AdminShutdown) = kill {
        let _ = io.write_all(&error("FATAL", "57P01", "terminating connection due to administrator command")).await;
    }
}

/// A NUL-terminated string.
fn cstr(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The delay `pg_sleep(seconds)` asks for.
fn sleep_of(sql: &str) -> Option<Duration> {
    let start = sql.find("pg_sleep(")? + "pg_sleep(".len();
    let seconds: f64 = sql[start..].split(')').next()?.trim().parse().ok()?;
    Some(Duration::from_secs_f64(seconds))
}

/// The fleet row, when `sql` is the fleet reading and the server has one set.
fn fleet_of(server: &FakeServer, sql: &str) -> Option<Vec<(&'static str, i32)>> {
    if sql.contains("pg_stat_activity") {
        server.fleet_row().map(|row| row.to_vec())
    } else {
        None
    }
}

/// A description of int4 columns.
fn row_description(row: &[(&str, i32)]) -> Vec<u8> {
    let mut desc = (row.len() as i16).to_be_bytes().to_vec();
    for (name, _) in row {
        desc.extend(name.as_bytes());
        desc.push(0);
        desc.extend(0i32.to_be_bytes()); // table oid
        desc.extend(0i16.to_be_bytes()); // column
        desc.extend(23i32.to_be_bytes()); // int4
        desc.extend(4i16.to_be_bytes());
        desc.extend((-1i32).to_be_bytes());
        desc.extend(0i16.to_be_bytes()); // format as described (the bind asks for binary)
    }
    message(b'T', &desc)
}

/// One row of int4 values in binary, as tokio-postgres binds results.
fn data_row(row: &[(&str, i32)]) -> Vec<u8> {
    let mut data = (row.len() as i16).to_be_bytes().to_vec();
    for (_, value) in row {
        data.extend(4i32.to_be_bytes());
        data.extend(value.to_be_bytes());
    }
    message(b'D', &data)
}

/// CommandComplete tagged with the statement's first word.
fn complete(sql: &str) -> Vec<u8> {
    let tag = sql.split_whitespace().next().unwrap_or("").trim_end_matches(';').to_uppercase();
    message(b'C', format!("{tag}\0").as_bytes())
}

async fn read_message(io: &mut DuplexStream) -> Option<(u8, Vec<u8>)> {
    let kind = io.read_u8().await.ok()?;
    let len = io.read_i32().await.ok()?;
    let mut body = vec![0; (len - 4).max(0) as usize];
    io.read_exact(&mut body).await.ok()?;
    Some((kind, body))
}

fn simple_query(sql: &str, pid: i32, read_only: bool) -> Vec<u8> {
    let mut out = if sql.trim().is_empty() {
        message(b'I', &[])
    } else if sql.contains("pg_backend_pid") {
        text_row(&[("pg_backend_pid", 23, &pid.to_string())])
    } else if sql.contains("pg_is_in_recovery") {
        let (recovery, read_only) = if read_only { ("true", "on") } else { ("false", "off") };
        text_row(&[("pg_is_in_recovery", 25, recovery), ("transaction_read_only", 25, read_only)])
    } else {
        complete(sql)
    };
    out.extend(ready());
    out
}

/// One row of `(name, type oid, text)` columns, as a simple query returns it.
fn text_row(columns: &[(&str, i32, &str)]) -> Vec<u8> {
    let mut desc = (columns.len() as i16).to_be_bytes().to_vec();
    let mut row = (columns.len() as i16).to_be_bytes().to_vec();
    for (name, oid, text) in columns {
        desc.extend(name.as_bytes());
        desc.push(0);
        desc.extend(0i32.to_be_bytes()); // table oid
        desc.extend(0i16.to_be_bytes()); // column
        desc.extend(oid.to_be_bytes());
        desc.extend((-1i16).to_be_bytes());
        desc.extend((-1i32).to_be_bytes());
        desc.extend(0i16.to_be_bytes()); // text format
        row.extend((text.len() as i32).to_be_bytes());
        row.extend(text.as_bytes());
    }
    let mut out = message(b'T', &desc);
    out.extend(message(b'D', &row));
    out.extend(message(b'C', b"SELECT 1\0"));
    out
}

/// Whether `sql` writes (and so fails on a read-only server).
fn writes(sql: &str) -> bool {
    let verb = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    matches!(verb.as_str(), "INSERT" | "UPDATE" | "DELETE" | "CREATE")
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
