//! Statements refused before they are sent, and statements that invalidate the per-connection
//! prepared statement cache.

use crate::conn::query::top_level_words;
use crate::error::PoolError;

/// Refuses, before anything is sent, statement text the protocol cannot carry (a NUL byte ends
/// a protocol string) and `COPY … TO STDOUT` / `FROM STDIN`, whose copy sub-protocol this pool
/// does not speak (the connection would be lost mid-stream).
pub fn check_statement(sql: &str) -> Result<(), PoolError> {
    if let Some(at) = sql.find('\0') {
        return Err(PoolError::InvalidStatement {
            message: format!(
                "it contains a NUL byte (at character {}), which PostgreSQL cannot receive",
                sql[..at].chars().count()
            ),
        });
    }
    let words = top_level_words(sql, 64);
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("COPY"))
        && words.iter().any(|w| w.eq_ignore_ascii_case("STDIN") || w.eq_ignore_ascii_case("STDOUT"))
    {
        return Err(PoolError::InvalidStatement {
            message: "COPY … TO STDOUT / FROM STDIN is not supported (WedPool does not speak the copy \
                      sub-protocol); COPY to or from a server file, or INSERT/SELECT, works"
                .into(),
        });
    }
    Ok(())
}

/// Whether `e` is the server's 26000 "prepared statement … does not exist".
pub fn is_missing_prepared_statement(e: &PoolError) -> bool {
    matches!(e, PoolError::Database(fields) if fields.code == "26000")
}

/// Whether `sql` drops this session's prepared statements (`DISCARD ALL`, `DEALLOCATE [PREPARE]
/// ALL | name`): the statement cache must then forget them.
pub fn deallocates_statements(sql: &str) -> bool {
    let words = top_level_words(sql, 2);
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    match upper(0).as_str() {
        "DISCARD" => upper(1) == "ALL",
        "DEALLOCATE" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{check_statement, deallocates_statements};

    #[test]
    fn nul_bytes_and_client_copy_are_refused_before_sending() {
        for sql in
            ["SELECT 1\0", "COPY t TO STDOUT", "copy t from stdin", "COPY (SELECT 1) TO STDOUT WITH (FORMAT csv)"]
        {
            assert!(check_statement(sql).is_err(), "{sql:?}");
        }
        for sql in ["SELECT 'STDOUT'", "COPY t TO '/tmp/x'", "SELECT 1"] {
            assert!(check_statement(sql).is_ok(), "{sql:?}");
        }
    }

    #[test]
    fn statements_that_deallocate_are_recognised() {
        for sql in [
            "DISCARD ALL",
            "discard all;",
            "DEALLOCATE ALL",
            "deallocate prepare s1",
            "DEALLOCATE s3",
            "/* x */ DISCARD ALL",
        ] {
            assert!(deallocates_statements(sql), "{sql}");
        }
        for sql in ["DISCARD PLANS", "DISCARD TEMP", "SELECT 'DEALLOCATE ALL'", "PREPARE s AS SELECT 1"] {
            assert!(!deallocates_statements(sql), "{sql}");
        }
    }
}
