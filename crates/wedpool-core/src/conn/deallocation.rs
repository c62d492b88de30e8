//! Statements that drop this session's prepared statements behind the statement cache's back,
//! and what the cache must forget when they succeed, following PostgreSQL's documented
//! semantics: `DEALLOCATE [PREPARE] name` drops that one statement, `DEALLOCATE [PREPARE] ALL`
//! and `DISCARD ALL` drop every one; `DISCARD PLANS` only drops cached plans (the prepared
//! statements stay, and are re-planned on next use), so the cache keeps them.

use deadpool_postgres::Object;
use tokio_postgres::types::Type;

use crate::conn::query::top_level_words;

/// What a statement drops among the session's prepared statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deallocation {
    /// `DISCARD ALL`, `DEALLOCATE [PREPARE] ALL`: every one.
    All,
    /// `DEALLOCATE [PREPARE] name`: that one, its name folded as the server folds it.
    Named(String),
}

/// What `sql` drops among the session's prepared statements, if anything.
pub fn deallocation(sql: &str) -> Option<Deallocation> {
    let words = top_level_words(sql, 2);
    let first = *words.first()?;
    if first.eq_ignore_ascii_case("DISCARD") {
        return words.get(1).filter(|w| w.eq_ignore_ascii_case("ALL")).map(|_| Deallocation::All);
    }
    if !first.eq_ignore_ascii_case("DEALLOCATE") {
        return None;
    }
    let after = first.as_ptr() as usize - sql.as_ptr() as usize + first.len();
    // A name this reader cannot make out: forget everything rather than keep a stale entry.
    let Some((name, rest)) = identifier(&sql[after..]) else { return Some(Deallocation::All) };
    // `DEALLOCATE PREPARE x`; a lone `DEALLOCATE prepare` names a statement called "prepare".
    let name = match (name, identifier(rest)) {
        (Identifier::Plain(word), Some((next, _))) if word == "prepare" => next,
        (name, _) => name,
    };
    Some(match name {
        Identifier::Plain(all) if all == "all" => Deallocation::All,
        Identifier::Plain(name) | Identifier::Quoted(name) => Deallocation::Named(name),
    })
}

/// An SQL identifier: unquoted (ASCII letters folded to lower case, as the server does) or
/// quoted (kept as written, `""` read as `"`).
#[derive(Debug, PartialEq, Eq)]
enum Identifier {
    Plain(String),
    Quoted(String),
}

/// The identifier at the start of `s` (after white space), and what follows it.
fn identifier(s: &str) -> Option<(Identifier, &str)> {
    let s = s.trim_start();
    if let Some(quoted) = s.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match (c, chars.peek()) {
                ('"', Some((_, '"'))) => {
                    name.push('"');
                    chars.next();
                }
                ('"', _) => return Some((Identifier::Quoted(name), &quoted[i + 1..])),
                _ => name.push(c),
            }
        }
        return None;
    }
    let starts = s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(s.len());
    (starts && end > 0).then(|| (Identifier::Plain(s[..end].to_ascii_lowercase()), &s[end..]))
}

/// What the statement cache must forget once a statement succeeded, worked out before it is
/// sent (a dropped statement's text can only be asked while it exists).
#[derive(Debug, PartialEq, Eq)]
pub enum CacheEffect {
    /// Nothing was dropped.
    Keep,
    /// Every prepared statement was dropped.
    ForgetAll,
    /// The statement with this text was dropped (a named statement not in the cache drops
    /// nothing the cache holds).
    Forget(String),
}

impl CacheEffect {
    /// The effect of running `sql` on `client`. For `DEALLOCATE name` the server is asked the
    /// statement's text (one round trip, only for that statement); when it cannot answer,
    /// everything is forgotten, as for an unreadable name.
    pub async fn of(client: &Object, sql: &str) -> CacheEffect {
        match deallocation(sql) {
            None => CacheEffect::Keep,
            Some(Deallocation::All) => CacheEffect::ForgetAll,
            Some(Deallocation::Named(name)) => {
                let asked = client
                    .query_typed("SELECT statement FROM pg_prepared_statements WHERE name = $1", &[(&name, Type::TEXT)])
                    .await;
                match asked.map(|rows| rows.first().map(|row| row.get::<_, String>(0))) {
                    Ok(Some(text)) => CacheEffect::Forget(text),
                    Ok(None) => CacheEffect::Keep,
                    Err(_) => CacheEffect::ForgetAll,
                }
            }
        }
    }

    /// Applies the effect to `client`'s statement cache (after the statement succeeded).
    pub fn apply(self, client: &Object) {
        match self {
            CacheEffect::Keep => {}
            CacheEffect::ForgetAll => client.statement_cache.clear(),
            CacheEffect::Forget(text) => {
                client.statement_cache.remove(&text, &[]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{deallocation, Deallocation};

    #[test]
    fn statements_that_drop_every_prepared_statement() {
        for sql in [
            "DISCARD ALL",
            "discard all;",
            "DEALLOCATE ALL",
            "deallocate prepare all",
            "/* x */ DISCARD ALL",
            "DEALLOCATE \"unterminated",
        ] {
            assert_eq!(deallocation(sql), Some(Deallocation::All), "{sql}");
        }
    }

    #[test]
    fn deallocate_names_one_statement_folded_as_the_server_folds_it() {
        for (sql, name) in [
            ("DEALLOCATE s3", "s3"),
            ("deallocate prepare S1", "s1"),
            ("DEALLOCATE \"MiXed\"\"q\";", "MiXed\"q"),
            ("DEALLOCATE \"ALL\"", "ALL"),
            ("DEALLOCATE PREPARE \"prepare\"", "prepare"),
            ("DEALLOCATE prepare", "prepare"),
            ("-- reset\nDEALLOCATE   my_stmt$1 ;", "my_stmt$1"),
        ] {
            assert_eq!(deallocation(sql), Some(Deallocation::Named(name.into())), "{sql}");
        }
    }

    #[test]
    fn other_statements_drop_nothing() {
        for sql in [
            "DISCARD PLANS",
            "DISCARD TEMP",
            "DISCARD SEQUENCES",
            "SELECT 'DEALLOCATE ALL'",
            "PREPARE s AS SELECT 1",
            "",
        ] {
            assert_eq!(deallocation(sql), None, "{sql}");
        }
    }
}
