//! Running one statement on a connection: bound parameters, a per-connection prepared
//! statement cache (or unnamed statements for transaction-mode poolers), decoded rows.
//!
//! Parameters travel as node-postgres sends them: text (the server converts it to the
//! parameter's type) or, for Buffers, binary bytes. The server therefore applies its own input
//! rules and error messages, exactly as it does for node-postgres.

use bytes::BytesMut;
use deadpool_postgres::Object;
use futures_util::{pin_mut, TryStreamExt};
use tokio_postgres::error::{Severity, SqlState};
use tokio_postgres::types::{Format, IsNull, Kind, ToSql, Type};

use crate::codec::decode::{decode_row, DecodeOptions};
use crate::codec::value::Value;
use crate::config::statement_mode::StatementMode;
use crate::conn::deallocation::CacheEffect;
use crate::conn::statement_checks::{check_statement, is_missing_prepared_statement};
use crate::error::{DatabaseErrorFields, PoolError};

/// PostgreSQL's limit on parameters in one statement.
pub const MAX_PARAMETERS: usize = 65_535;

/// One bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// SQL NULL.
    Null,
    /// Text the server parses as the parameter's type.
    Text(String),
    /// Raw bytes (sent in binary format; for bytea).
    Binary(Vec<u8>),
}

impl ToSql for Param {
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Text(s) => {
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            Param::Binary(b) => {
                out.extend_from_slice(b);
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        match self {
            Param::Binary(_) => Format::Binary,
            _ => Format::Text,
        }
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// OID of the table it comes from, 0 when computed.
    pub table_id: u32,
    /// Attribute number in that table, 0 when computed.
    pub column_id: i16,
    /// OID of its type.
    pub data_type_id: u32,
    /// The type's size in bytes (`pg_type.typlen`; -1 variable, -2 C string).
    pub data_type_size: i16,
    /// The type modifier (`atttypmod`, e.g. a varchar's length + 4; -1 when none).
    pub data_type_modifier: i32,
}

/// What a statement returned.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The command (`SELECT`, `INSERT`, …).
    pub command: String,
    /// Rows returned or affected, from the server's command tag; `None` when the tag carries no
    /// count (`CREATE TABLE`, `BEGIN`, `SET`, …), where node-postgres reports `null`.
    pub row_count: Option<u64>,
    /// Columns.
    pub fields: Vec<Field>,
    /// Rows, one `Vec` of cells each, in column order.
    pub rows: Vec<Vec<Value>>,
}

/// Runs `sql` with `params` on `client`, as `mode` says.
///
/// Fails with [`PoolError::InvalidParameter`] for a wrong number of parameters,
/// [`PoolError::Database`] when the server rejects the statement, and
/// [`PoolError::ConnectionLost`] when the connection breaks.
pub async fn execute(
    client: &Object,
    sql: &str,
    params: &[Param],
    decode: DecodeOptions,
    mode: StatementMode,
) -> Result<QueryResult, PoolError> {
    if params.len() > MAX_PARAMETERS {
        return Err(PoolError::InvalidParameter {
            index: MAX_PARAMETERS,
            message: format!("a statement takes at most {MAX_PARAMETERS} parameters, got {}", params.len()),
        });
    }
    check_statement(sql)?;
    let cache_effect = match mode {
        StatementMode::Prepared { .. } => CacheEffect::of(client, sql).await,
        StatementMode::Unnamed => CacheEffect::Keep,
    };
    let stream = match mode {
        StatementMode::Prepared { cache_size } => {
            if client.statement_cache.size() >= cache_size.max(1) {
                client.statement_cache.clear();
            }
            let statement = client.prepare_cached(sql).await.map_err(prepare_error)?;
            if statement.params().len() != params.len() {
                return Err(PoolError::InvalidParameter {
                    index: params.len().min(statement.params().len()),
                    message: format!(
                        "the statement expects {} parameter(s) but {} were given",
                        statement.params().len(),
                        params.len()
                    ),
                });
            }
            match client.query_raw(&statement, params.iter()).await.map_err(query_error) {
                Ok(stream) => stream,
                Err(e) => {
                    if is_missing_prepared_statement(&e) {
                        // Deallocated behind the cache's back (in a function, a multi-statement
                        // string, a pooler's reset query): forget every cached statement.
                        client.statement_cache.clear();
                    }
                    return Err(e);
                }
            }
        }
        StatementMode::Unnamed => {
            let typed = params.iter().map(|p| (p as &(dyn ToSql + Sync), unspecified_type()));
            client.query_typed_raw(sql, typed).await.map_err(|e| parameter_count_error(e, params.len()))?
        }
    };
    let fields = stream
        .columns()
        .iter()
        .map(|c| Field {
            name: c.name().to_string(),
            table_id: c.table_oid().unwrap_or(0),
            column_id: c.column_id().unwrap_or(0),
            data_type_id: c.type_().oid(),
            data_type_size: crate::codec::servertext::type_size(c.type_()),
            data_type_modifier: c.type_modifier(),
        })
        .collect();
    pin_mut!(stream);
    let mut rows = Vec::new();
    while let Some(row) = stream.try_next().await.map_err(query_error)? {
        rows.push(decode_row(&row, decode));
    }
    cache_effect.apply(client);
    let command = command_of(sql);
    // tokio-postgres reads a tag without a count as 0; the server's tag has a count exactly
    // for these commands.
    let counted =
        matches!(command.as_str(), "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "MOVE" | "FETCH");
    let row_count = counted.then(|| stream.rows_affected().unwrap_or(rows.len() as u64));
    Ok(QueryResult { command, row_count, fields, rows })
}

/// A parameter type of OID 0: "unspecified", the server infers it from the statement, as it
/// does for node-postgres and postgres.js.
fn unspecified_type() -> Type {
    Type::new("unspecified".into(), 0, Kind::Simple, "pg_catalog".into())
}

/// Without a described statement the server itself checks the parameter count (08P01,
/// `bind message supplies 1 parameters, but prepared statement "" requires 2`); that is
/// reported as [`PoolError::InvalidParameter`], as in prepared mode.
fn parameter_count_error(e: tokio_postgres::Error, given: usize) -> PoolError {
    if let Some(db) = e.as_db_error() {
        if db.code() == &SqlState::PROTOCOL_VIOLATION && db.message().starts_with("bind message supplies") {
            let expected =
                db.message().rsplit("requires ").next().and_then(|n| n.trim().parse::<usize>().ok()).unwrap_or(given);
            return PoolError::InvalidParameter {
                index: given.min(expected),
                message: format!("the statement expects {expected} parameter(s) but {given} were given"),
            };
        }
    }
    query_error(e)
}

/// Maps an error raised while a statement runs.
pub fn query_error(e: tokio_postgres::Error) -> PoolError {
    if let Some(db) = e.as_db_error() {
        use tokio_postgres::error::ErrorPosition;
        // FATAL and PANIC end the session: the statement's outcome is unknown and the
        // connection is gone (57P01 admin shutdown, 57P02 crash shutdown, …).
        if matches!(db.parsed_severity(), Some(Severity::Fatal) | Some(Severity::Panic)) {
            return PoolError::connection_lost(db.message(), Some(db.code().code().to_string()));
        }
        let (position, internal_position, internal_query) = match db.position() {
            Some(ErrorPosition::Original(p)) => (Some(p.to_string()), None, None),
            Some(ErrorPosition::Internal { position, query }) => {
                (None, Some(position.to_string()), Some(query.clone()))
            }
            None => (None, None, None),
        };
        return PoolError::Database(Box::new(DatabaseErrorFields {
            message: db.message().to_string(),
            severity: db.severity().to_string(),
            code: db.code().code().to_string(),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
            position,
            internal_position,
            internal_query,
            r#where: db.where_().map(str::to_string),
            schema: db.schema().map(str::to_string),
            table: db.table().map(str::to_string),
            column: db.column().map(str::to_string),
            data_type: db.datatype().map(str::to_string),
            constraint: db.constraint().map(str::to_string),
            file: db.file().map(str::to_string),
            line: db.line().map(|l| l.to_string()),
            routine: db.routine().map(str::to_string),
        }));
    }
    PoolError::connection_lost(e.to_string(), None)
}

/// Maps an error raised while a statement is being prepared: its `Execute` was never sent, so a
/// lost connection there provably did not run it.
fn prepare_error(e: tokio_postgres::Error) -> PoolError {
    match query_error(e) {
        PoolError::ConnectionLost { message, sqlstate, .. } => {
            PoolError::ConnectionLost { message, sqlstate, sent: false, outcome_unknown: false, transaction_id: None }
        }
        other => other,
    }
}

/// The command a statement runs, as the server's command tag names it: the first keyword,
/// or for `WITH …` the statement after the common table expressions. `CREATE TABLE … AS` and
/// `CREATE MATERIALIZED VIEW … AS` report `SELECT` (the server's tag is `SELECT n`) unless they
/// end `WITH NO DATA`, which the server tags `CREATE TABLE AS` / `CREATE MATERIALIZED VIEW`.
pub fn command_of(sql: &str) -> String {
    let mut words = top_level_words(sql, 64);
    if creates_from_a_query(&words) && !ends_with_no_data(sql) {
        return "SELECT".into();
    }
    if words.is_empty() {
        // `(select 1)`: the statement is inside parentheses.
        words =
            sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).take(1).collect();
    }
    let first = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    if first == "WITH" {
        for w in &words[1..] {
            let upper = w.to_ascii_uppercase();
            if matches!(upper.as_str(), "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "VALUES" | "TABLE") {
                return if upper == "VALUES" || upper == "TABLE" { "SELECT".into() } else { upper };
            }
        }
    }
    match first.as_str() {
        "VALUES" | "TABLE" => "SELECT".into(),
        _ => first,
    }
}

/// `CREATE [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] TABLE … AS` or `CREATE MATERIALIZED VIEW
/// … AS` (column lists and options sit in parentheses, so a top-level `AS` is the query's).
fn creates_from_a_query(words: &[&str]) -> bool {
    let is = |i: usize, w: &str| words.get(i).is_some_and(|x| x.eq_ignore_ascii_case(w));
    if !is(0, "CREATE") {
        return false;
    }
    let object = (1..words.len().min(5)).find(|&i| is(i, "TABLE") || (is(i, "MATERIALIZED") && is(i + 1, "VIEW")));
    object.is_some_and(|start| (start + 1..words.len()).any(|i| is(i, "AS")))
}

/// Whether the statement ends `WITH NO DATA` (ignoring a trailing `;`, spaces and case).
fn ends_with_no_data(sql: &str) -> bool {
    let tail: Vec<&str> = sql.trim_end().trim_end_matches(';').split_ascii_whitespace().rev().take(3).collect();
    tail.len() == 3
        && tail[0].eq_ignore_ascii_case("DATA")
        && tail[1].eq_ignore_ascii_case("NO")
        && tail[2].eq_ignore_ascii_case("WITH")
}

/// How a statement changes the session's transaction state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionEffect {
    /// `BEGIN`, `START TRANSACTION`.
    Begins,
    /// `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `PREPARE TRANSACTION`.
    Ends,
    /// Anything else (including `ROLLBACK TO SAVEPOINT`).
    Neutral,
}

/// Classifies a statement by its effect on the transaction state.
pub fn transaction_effect(sql: &str) -> TransactionEffect {
    let words = top_level_words(sql, 3);
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    match upper(0).as_str() {
        "BEGIN" => TransactionEffect::Begins,
        "START" if upper(1) == "TRANSACTION" => TransactionEffect::Begins,
        "COMMIT" | "END" | "ABORT" if upper(1) != "PREPARED" => TransactionEffect::Ends,
        "ROLLBACK" if upper(1) != "TO" && upper(1) != "PREPARED" && upper(2) != "TO" => TransactionEffect::Ends,
        "PREPARE" if upper(1) == "TRANSACTION" => TransactionEffect::Ends,
        _ => TransactionEffect::Neutral,
    }
}

/// The first `limit` words outside parentheses, quotes and comments, in order. Scanning stops
/// there, so a long statement costs no more than its head.
pub(crate) fn top_level_words(sql: &str, limit: usize) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let (mut i, mut depth, mut words) = (0usize, 0usize, Vec::new());
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'\'' || c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += 1;
            }
            i += 1;
        } else if c == b'(' {
            depth += 1;
            i += 1;
        } else if c == b')' {
            depth = depth.saturating_sub(1);
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if depth == 0 {
                words.push(&sql[start..i]);
                if words.len() >= limit {
                    break;
                }
            }
        } else {
            i += 1;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::command_of;

    #[test]
    fn command_is_the_first_keyword() {
        assert_eq!(command_of("select 1"), "SELECT");
        assert_eq!(command_of("  -- note\n insert into t values (1)"), "INSERT");
        assert_eq!(command_of("/* x */ UPDATE t SET a = 1"), "UPDATE");
        assert_eq!(command_of("(select 1)"), "SELECT");
        assert_eq!(command_of("values (1)"), "SELECT");
        assert_eq!(command_of("begin"), "BEGIN");
    }

    #[test]
    fn transaction_statements_are_recognised() {
        use super::{transaction_effect as t, TransactionEffect::*};
        assert_eq!(t("BEGIN"), Begins);
        assert_eq!(t("start transaction isolation level serializable"), Begins);
        assert_eq!(t("commit"), Ends);
        assert_eq!(t("ROLLBACK"), Ends);
        assert_eq!(t("rollback transaction"), Ends);
        assert_eq!(t("ROLLBACK TO SAVEPOINT a"), Neutral);
        assert_eq!(t("rollback work to a"), Neutral);
        assert_eq!(t("COMMIT PREPARED 'x'"), Neutral);
        assert_eq!(t("prepare transaction 'x'"), Ends);
        assert_eq!(t("select 'begin'"), Neutral);
    }

    #[test]
    fn command_of_a_cte_is_its_main_statement() {
        assert_eq!(command_of("with x as (select 1) insert into t select * from x"), "INSERT");
        assert_eq!(command_of("WITH a AS (DELETE FROM t RETURNING *) SELECT * FROM a"), "SELECT");
    }

    #[test]
    fn create_table_as_is_tagged_select_like_the_server_does() {
        assert_eq!(command_of("create table t as select 1"), "SELECT");
        assert_eq!(command_of("CREATE TEMP TABLE IF NOT EXISTS t (a, b) AS SELECT 1, 2"), "SELECT");
        assert_eq!(command_of("create unlogged table t as table src"), "SELECT");
        assert_eq!(command_of("create table t as with x as (select 1) select * from x"), "SELECT");
        assert_eq!(command_of("create materialized view v as select 1"), "SELECT");
        assert_eq!(command_of("create table t as execute q"), "SELECT");
        assert_eq!(command_of("create table t as select 1 with no data;"), "CREATE");
        assert_eq!(command_of("create materialized view v as select 1 WITH NO DATA"), "CREATE");
        assert_eq!(command_of("create table t (a int generated always as (1) stored)"), "CREATE");
        assert_eq!(command_of("create view v as select 1"), "CREATE");
        assert_eq!(command_of("select * into t from src"), "SELECT");
        assert_eq!(command_of("merge into t using s on t.id = s.id when matched then do nothing"), "MERGE");
        assert_eq!(command_of("copy t from '/tmp/x'"), "COPY");
    }
}
