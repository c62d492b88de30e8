//! The name every connection reports as `application_name`: `wedpool:<app>:<instance>`, which
//! is how instances of one application find each other in `pg_stat_activity`.
//!
//! PostgreSQL keeps only the first 63 bytes of `application_name` (NAMEDATALEN − 1) and turns
//! characters outside printable ASCII into `?` or escapes, so a long or non-ASCII name would
//! lose the instance part and every instance would look like one. The name is therefore built to
//! fit: the instance part is kept whole up to 16 bytes, and an app part longer than the 38
//! bytes left is shortened to its first 31 bytes, `~` and six hex digits of a hash of the whole
//! app name (FNV-1a, the same in every process). The app part never depends on the instance
//! id, so every instance of an application carries the same one. Characters outside printable ASCII, and `:`, become `-`
//! (with the hash added, so `café` and `cafè` stay different).

/// The most bytes of `application_name` PostgreSQL keeps.
pub const APPLICATION_NAME_LIMIT: usize = 63;

/// The most bytes of the instance part; longer instance ids are shortened the same way.
const INSTANCE_LIMIT: usize = 16;

/// The most bytes of the app part: what `wedpool:`, `:` and the longest instance part leave.
const APP_LIMIT: usize = APPLICATION_NAME_LIMIT - "wedpool:".len() - ":".len() - INSTANCE_LIMIT;

/// What the pool's connections are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The app part as it appears in `application_name` (shortened when needed).
    pub app_tag: String,
    /// The whole `application_name`: `wedpool:<app_tag>:<instance_tag>`, at most 63 bytes.
    pub application_name: String,
}

impl Identity {
    /// The identity of instance `instance` of application `app`.
    pub fn new(app: &str, instance: &str) -> Identity {
        let instance_tag = tag(instance, INSTANCE_LIMIT);
        let app_tag = tag(app, APP_LIMIT);
        let application_name = format!("wedpool:{app_tag}:{instance_tag}");
        Identity { app_tag, application_name }
    }
}

/// `s` with unsafe characters replaced, within `limit` bytes: unchanged when it fits and was
/// clean, else its first bytes, `~` and a six-digit hash of the original.
fn tag(s: &str, limit: usize) -> String {
    let clean: String =
        s.chars().map(|c| if (c.is_ascii_graphic() && c != ':') || c == ' ' { c } else { '-' }).collect();
    if clean == s && clean.len() <= limit {
        return clean;
    }
    let suffix = format!("~{:06x}", fnv1a(s.as_bytes()) & 0xff_ffff);
    let keep = limit.saturating_sub(suffix.len());
    // `clean` is ASCII, so any byte index is a character boundary.
    format!("{}{suffix}", &clean[..keep.min(clean.len())])
}

/// 64-bit FNV-1a: a fixed hash, identical in every process and version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept_as_they_are() {
        let id = Identity::new("naming-spec", "i-7");
        assert_eq!(id.application_name, "wedpool:naming-spec:i-7");
        assert_eq!(id.app_tag, "naming-spec");
    }

    #[test]
    fn a_long_app_name_is_shortened_and_the_instance_survives() {
        let app = "wedsync-guest-rsvp-and-vendor-timeline-service-eu-west-prod1"; // 60 characters
        let a = Identity::new(app, "0badcafe");
        let b = Identity::new(app, "green-2c1d-long");
        assert!(a.application_name.len() <= APPLICATION_NAME_LIMIT, "{}", a.application_name);
        assert!(a.application_name.ends_with(":0badcafe"));
        assert!(b.application_name.ends_with(":green-2c1d-long"));
        assert_eq!(a.app_tag, b.app_tag, "every instance of the app shares its tag");
        assert!(a.app_tag.starts_with("wedsync-guest-rsvp"));
    }

    #[test]
    fn apps_differing_only_past_the_cut_get_different_tags() {
        let long = "x".repeat(70);
        assert_ne!(Identity::new(&format!("{long}-a"), "i").app_tag, Identity::new(&format!("{long}-b"), "i").app_tag);
    }

    #[test]
    fn non_ascii_and_colons_are_replaced_and_hashed() {
        let cafe1 = Identity::new("café", "i");
        let cafe2 = Identity::new("cafè", "i");
        assert!(cafe1.application_name.is_ascii());
        assert_ne!(cafe1.app_tag, cafe2.app_tag);
        assert!(!Identity::new("a:b", "i").app_tag.contains(':'));
    }

    #[test]
    fn a_long_instance_id_is_shortened_too() {
        let id = Identity::new(&"app".repeat(30), &"pod-".repeat(20));
        assert!(id.application_name.len() <= APPLICATION_NAME_LIMIT);
        assert_eq!(id.application_name.split(':').count(), 3);
    }
}
