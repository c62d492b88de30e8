//! What a statement whose connection broke may have done: never sent (safe to run again),
//! rolled back with its transaction, or unknown (a write outside a transaction, or a `COMMIT`).

use crate::conn::query::top_level_words;
use crate::error::PoolError;

/// Whether `sql` commits the open transaction (`COMMIT`, `END`; not `COMMIT PREPARED`).
pub fn commits(sql: &str) -> bool {
    let words = top_level_words(sql, 2);
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    matches!(upper(0).as_str(), "COMMIT" | "END") && upper(1) != "PREPARED"
}

/// Whether `sql` only reads or changes session state, so a lost answer changed nothing that
/// outlives the session. A `SELECT` calling a function that writes counts as a read: WedPool
/// cannot see inside functions.
pub fn only_reads(sql: &str) -> bool {
    let words = top_level_words(sql, 64);
    let upper = |w: &&str| w.to_ascii_uppercase();
    let Some(first) = words.first().map(upper) else { return true };
    match first.as_str() {
        // `SELECT … INTO t` creates a table; `WITH … INSERT` writes.
        "SELECT" => !words.iter().any(|w| w.eq_ignore_ascii_case("INTO")),
        // The data-modifying statements sit inside the parentheses: look at every word (a
        // quoted "insert" makes it a write, which only errs on the safe side).
        "WITH" => !sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| ["INSERT", "UPDATE", "DELETE", "MERGE", "INTO"].iter().any(|k| w.eq_ignore_ascii_case(k))),
        "VALUES" | "TABLE" | "SHOW" | "FETCH" | "MOVE" | "BEGIN" | "START" | "ROLLBACK" | "ABORT" | "SET" | "RESET"
        | "DISCARD" | "LISTEN" | "UNLISTEN" | "DECLARE" | "CLOSE" | "SAVEPOINT" | "RELEASE" => true,
        "EXPLAIN" => !words.iter().any(|w| w.eq_ignore_ascii_case("ANALYZE")),
        _ => false,
    }
}

/// What was known about the statement when its connection broke.
#[derive(Debug, Clone, Copy, Default)]
pub struct LossFacts {
    /// The statement provably never ran (the connection was gone before it was written, or the
    /// server had already ended the session).
    pub unsent: bool,
    /// A transaction was open before the statement.
    pub in_transaction: bool,
    /// The id of the open transaction, when learned before a `COMMIT`.
    pub transaction_id: Option<u64>,
}

/// Completes a `CONNECTION_LOST` error for `sql` with whether it was sent and whether its
/// outcome is unknown; other errors pass unchanged.
pub fn classify(error: PoolError, sql: &str, facts: LossFacts) -> PoolError {
    let PoolError::ConnectionLost { message, sqlstate, sent, .. } = error else { return error };
    let sent = sent && !facts.unsent;
    let commit = commits(sql);
    // Inside a transaction a lost statement dies with it (the server rolls an open transaction
    // back when its session ends); only COMMIT can have made it permanent.
    let outcome_unknown = sent && (commit || (!facts.in_transaction && !only_reads(sql)));
    let transaction_id = if commit && sent { facts.transaction_id } else { None };
    PoolError::ConnectionLost { message, sqlstate, sent, outcome_unknown, transaction_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost() -> PoolError {
        PoolError::connection_lost("connection closed", None)
    }

    fn fields(e: PoolError) -> (bool, bool, Option<u64>) {
        match e {
            PoolError::ConnectionLost { sent, outcome_unknown, transaction_id, .. } => {
                (sent, outcome_unknown, transaction_id)
            }
            other => panic!("not a lost connection: {other}"),
        }
    }

    #[test]
    fn commit_is_recognised_but_not_commit_prepared() {
        assert!(commits("COMMIT"));
        assert!(commits(" commit work"));
        assert!(commits("end transaction"));
        assert!(!commits("COMMIT PREPARED 'x'"));
        assert!(!commits("ROLLBACK"));
        assert!(!commits("select 'commit'"));
    }

    #[test]
    fn reads_and_writes_are_told_apart() {
        assert!(only_reads("select * from t"));
        assert!(only_reads("with a as (select 1) select * from a"));
        assert!(only_reads("BEGIN"));
        assert!(!only_reads("select * into t2 from t"));
        assert!(!only_reads("with a as (delete from t returning *) select * from a"));
        assert!(!only_reads("insert into t values (1)"));
        assert!(!only_reads("update t set a = 1"));
        assert!(!only_reads("explain analyze delete from t"));
        assert!(!only_reads("create table t (a int)"));
    }

    #[test]
    fn a_lost_commit_is_sent_with_an_unknown_outcome_and_its_transaction_id() {
        let facts = LossFacts { in_transaction: true, transaction_id: Some(742), ..LossFacts::default() };
        assert_eq!(fields(classify(lost(), "COMMIT", facts)), (true, true, Some(742)));
        let message = classify(lost(), "COMMIT", facts).to_string();
        assert!(message.contains("transaction 742 is unknown"), "{message}");
    }

    #[test]
    fn a_write_inside_a_transaction_is_rolled_back_with_it() {
        let facts = LossFacts { in_transaction: true, ..LossFacts::default() };
        assert_eq!(fields(classify(lost(), "insert into t values (1)", facts)), (true, false, None));
    }

    #[test]
    fn a_write_outside_a_transaction_has_an_unknown_outcome() {
        assert_eq!(fields(classify(lost(), "insert into t values (1)", LossFacts::default())), (true, true, None));
        assert_eq!(fields(classify(lost(), "select 1", LossFacts::default())), (true, false, None));
    }

    #[test]
    fn an_unsent_statement_is_safe_to_retry_whatever_it_is() {
        let facts = LossFacts { unsent: true, in_transaction: true, transaction_id: Some(9) };
        assert_eq!(fields(classify(lost(), "COMMIT", facts)), (false, false, None));
        assert!(classify(lost(), "COMMIT", facts).to_string().contains("never sent; safe to retry"));
    }
}
