//! `target_session_attrs`: which of several hosts a connection may use, with libpq's meaning.
//! tokio-postgres knows only `any` and `read-write`; WedPool checks every value itself after
//! connecting (`pg_is_in_recovery()` and `transaction_read_only`).

use std::fmt;
use std::str::FromStr;

use crate::error::PoolError;

/// What a server must be for a connection to it to be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetSessionAttrs {
    /// Any server (the default).
    #[default]
    Any,
    /// A server that accepts writes by default (`transaction_read_only` off).
    ReadWrite,
    /// A server that refuses writes by default (a standby, or `default_transaction_read_only`).
    ReadOnly,
    /// A server not in recovery.
    Primary,
    /// A server in recovery (a standby).
    Standby,
    /// A standby when one answers, else any server.
    PreferStandby,
}

/// What a server said about itself right after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    /// `pg_is_in_recovery()`.
    pub in_recovery: bool,
    /// `current_setting('transaction_read_only')`.
    pub read_only: bool,
}

impl TargetSessionAttrs {
    /// Whether a connection to a server in `state` is kept. `PreferStandby` accepts only a
    /// standby here; the caller falls back to any server after trying them all.
    pub fn accepts(self, state: SessionState) -> bool {
        match self {
            TargetSessionAttrs::Any => true,
            TargetSessionAttrs::ReadWrite => !state.read_only,
            TargetSessionAttrs::ReadOnly => state.read_only,
            TargetSessionAttrs::Primary => !state.in_recovery,
            TargetSessionAttrs::Standby | TargetSessionAttrs::PreferStandby => state.in_recovery,
        }
    }

    /// Whether writes are expected to succeed: a read-only refusal (25006) then means the
    /// server was demoted, and its connections must go.
    pub fn wants_writable(self) -> bool {
        matches!(self, TargetSessionAttrs::ReadWrite | TargetSessionAttrs::Primary)
    }

    /// Whether a server has to be asked what it is after connecting.
    pub fn needs_check(self) -> bool {
        self != TargetSessionAttrs::Any
    }

    /// Reads the value as libpq spells it; `field` names where it came from in errors.
    pub fn parse(value: &str, field: &str) -> Result<Self, PoolError> {
        value.parse().map_err(|()| {
            PoolError::invalid_config(
                field,
                format!(
                    "target_session_attrs must be any, read-write, read-only, primary, standby or prefer-standby, got {value:?}"
                ),
            )
        })
    }
}

impl FromStr for TargetSessionAttrs {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s.trim() {
            "any" => TargetSessionAttrs::Any,
            "read-write" => TargetSessionAttrs::ReadWrite,
            "read-only" => TargetSessionAttrs::ReadOnly,
            "primary" => TargetSessionAttrs::Primary,
            "standby" => TargetSessionAttrs::Standby,
            "prefer-standby" => TargetSessionAttrs::PreferStandby,
            _ => return Err(()),
        })
    }
}

impl fmt::Display for TargetSessionAttrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetSessionAttrs::Any => "any",
            TargetSessionAttrs::ReadWrite => "read-write",
            TargetSessionAttrs::ReadOnly => "read-only",
            TargetSessionAttrs::Primary => "primary",
            TargetSessionAttrs::Standby => "standby",
            TargetSessionAttrs::PreferStandby => "prefer-standby",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIMARY: SessionState = SessionState { in_recovery: false, read_only: false };
    const READ_ONLY_PRIMARY: SessionState = SessionState { in_recovery: false, read_only: true };
    const STANDBY: SessionState = SessionState { in_recovery: true, read_only: true };

    #[test]
    fn every_libpq_value_parses_and_prints_back() {
        for v in ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"] {
            assert_eq!(TargetSessionAttrs::parse(v, "f").unwrap().to_string(), v);
        }
    }

    #[test]
    fn an_unknown_value_names_the_field() {
        match TargetSessionAttrs::parse("read_write", "targetSessionAttrs") {
            Err(PoolError::InvalidConfig { field, message }) => {
                assert_eq!(field, "targetSessionAttrs");
                assert!(message.contains("read_write"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_value_accepts_the_servers_libpq_accepts() {
        use TargetSessionAttrs::*;
        let table = [
            (Any, [true, true, true]),
            (ReadWrite, [true, false, false]),
            (ReadOnly, [false, true, true]),
            (Primary, [true, true, false]),
            (Standby, [false, false, true]),
            (PreferStandby, [false, false, true]),
        ];
        for (attrs, expected) in table {
            let got = [PRIMARY, READ_ONLY_PRIMARY, STANDBY].map(|s| attrs.accepts(s));
            assert_eq!(got, expected, "{attrs}");
        }
    }

    #[test]
    fn only_write_targets_treat_read_only_refusals_as_demotion() {
        assert!(TargetSessionAttrs::ReadWrite.wants_writable());
        assert!(TargetSessionAttrs::Primary.wants_writable());
        assert!(!TargetSessionAttrs::Any.wants_writable());
        assert!(!TargetSessionAttrs::PreferStandby.wants_writable());
    }
}
