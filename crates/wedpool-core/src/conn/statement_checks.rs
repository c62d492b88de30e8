//! Statements refused before they are sent, and the server's answer for a prepared statement
//! that no longer exists.

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

#[cfg(test)]
mod tests {
    use super::check_statement;

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
}
