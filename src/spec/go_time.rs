//! Timestamps as Go's `time.Time` marshals them (RFC 3339 with nanoseconds,
//! trailing zeros trimmed, `Z` for a zero offset), and `SOURCE_DATE_EPOCH`.
//!
//! Image configs store `created` times as strings; re-encoding them the way Go
//! does keeps our blobs identical to upstream's for the same edit.

use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with the UTC offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTime(DateTime<FixedOffset>);

/// Why a timestamp was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimeError {
    /// Not an RFC 3339 timestamp.
    #[error("parsing time {0:?}: not an RFC 3339 (ISO 8601) timestamp")]
    NotRfc3339(String),
    /// `SOURCE_DATE_EPOCH` is set but is not a whole number of seconds.
    #[error("invalid SOURCE_DATE_EPOCH {0:?}: must be a non-negative integer number of seconds, no later than the year 9999")]
    BadSourceDateEpoch(String),
}

impl GoTime {
    /// The current time, in UTC.
    pub fn now() -> Self {
        GoTime(Utc::now().fixed_offset())
    }

    /// The given number of seconds after the Unix epoch, in UTC; `None`
    /// past the year 9999, which RFC 3339 (four-digit years) cannot write
    /// and so no reader of the image could parse.
    pub fn from_unix(secs: i64) -> Option<Self> {
        /// 9999-12-31T23:59:59Z.
        const LAST_RFC3339_SECOND: i64 = 253_402_300_799;
        if secs > LAST_RFC3339_SECOND {
            return None;
        }
        Utc.timestamp_opt(secs, 0)
            .single()
            .map(|t| GoTime(t.fixed_offset()))
    }

    /// Parses an RFC 3339 timestamp (fractional seconds optional), as Go's
    /// `time.Parse(time.RFC3339, …)` accepts.
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        DateTime::parse_from_rfc3339(s)
            .map(GoTime)
            .map_err(|_| TimeError::NotRfc3339(s.to_owned()))
    }

    /// Upstream's `ISO8601` layout, which is Go's `RFC3339Nano` (fractional
    /// seconds kept, trailing zeros trimmed): what `stat` and the runtime
    /// config's `org.opencontainers.image.created` print.
    pub fn to_iso8601(&self) -> String {
        self.to_string()
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }
}

impl fmt::Display for GoTime {
    /// Go's `time.RFC3339Nano` layout.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0.to_rfc3339_opts(SecondsFormat::Secs, true);
        let nanos = self.0.timestamp_subsec_nanos();
        if nanos == 0 {
            return f.write_str(&whole);
        }
        // Insert the trimmed fraction between the seconds and the offset.
        let split = whole.len() - if whole.ends_with('Z') { 1 } else { 6 };
        let fraction = format!("{nanos:09}");
        let fraction = fraction.trim_end_matches('0');
        write!(f, "{}.{}{}", &whole[..split], fraction, &whole[split..])
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GoTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Reads `SOURCE_DATE_EPOCH` from the environment: `None` when unset or
/// empty, an error when set to something that is not a number of seconds.
pub fn source_date_epoch() -> Result<Option<GoTime>, TimeError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .and_then(GoTime::from_unix)
            .map(Some)
            .ok_or(TimeError::BadSourceDateEpoch(v)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339nano() {
        let cases = [
            (
                "2026-11-22T21:17:13.389740694Z",
                "2026-11-22T21:17:13.389740694Z",
            ),
            ("2024-01-01T00:00:00.500000000Z", "2024-01-01T00:00:00.5Z"),
            ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z"),
            ("2024-01-01T02:00:00+02:00", "2024-01-01T02:00:00+02:00"),
            (
                "2024-01-01T02:00:00.25-07:30",
                "2024-01-01T02:00:00.25-07:30",
            ),
            ("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00Z"),
        ];
        for (input, want) in cases {
            assert_eq!(GoTime::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn iso8601_keeps_the_fraction() {
        let t = GoTime::parse("2024-05-06T07:08:09.123+01:00").unwrap();
        assert_eq!(t.to_iso8601(), "2024-05-06T07:08:09.123+01:00");
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01"] {
            assert!(GoTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn epoch() {
        assert_eq!(
            GoTime::from_unix(1000).unwrap().to_string(),
            "1970-01-01T00:16:40Z"
        );
    }
}
