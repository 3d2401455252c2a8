//! Where a result came from (docs/scoring.md §11): the tool's name, version
//! and source revision, the creation time (`SOURCE_DATE_EPOCH` overrides the
//! clock so a rerun can be byte-identical) and input file hashes. Ground
//! floor: imports nothing of the crate but its error type.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The tool that wrote a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `cuebench`.
    pub name: String,
    /// The crate version, e.g. `0.2.0`.
    pub version: String,
    /// The git revision it was built from (`unknown` outside a checkout).
    pub revision: String,
}

impl Tool {
    /// This build of cuebench.
    pub fn this() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: crate::VERSION.into(),
            revision: crate::REVISION.into(),
        }
    }
}

/// The environment variable of reproducible builds that fixes "now".
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// The creation time as `YYYY-MM-DDTHH:MM:SSZ` (UTC): `SOURCE_DATE_EPOCH`
/// (whole seconds since 1970) when set, else the clock. A set but unreadable
/// value is a usage error, never silently replaced by the clock.
pub fn created_utc() -> Result<String> {
    let seconds = match std::env::var(SOURCE_DATE_EPOCH) {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            Error::Usage(format!(
                "{SOURCE_DATE_EPOCH}={text:?}: expected whole seconds since 1970-01-01"
            ))
        })?,
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    };
    Ok(utc_timestamp(seconds))
}

/// Seconds since 1970-01-01 as an RFC 3339 UTC timestamp, by the civil-date
/// algorithm of H. Hinnant ("days_from_civil", inverted); no time-zone data.
pub fn utc_timestamp(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The sha256 of a file, lower-case hex, read in 1 MiB pieces.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(format!("{:x}", hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// [`sha256_file`] for an input the run has read, failures as [`Error::Io`].
pub fn input_sha256(path: &Path) -> Result<String> {
    sha256_file(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_by_hand() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a century leap year): 11016 days after 1970 = 951782400 s.
        assert_eq!(utc_timestamp(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        // 1 March 2100 is not preceded by a leap day: 47541 days -> 4107542400 s.
        assert_eq!(utc_timestamp(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(utc_timestamp(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn hashes_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, "abc").unwrap();
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            input_sha256(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(input_sha256(&dir.path().join("none")).is_err());
    }

    #[test]
    fn tool_names_this_build() {
        let t = Tool::this();
        assert_eq!((t.name.as_str(), t.version.as_str()), ("cuebench", "0.2.0"));
        assert!(!t.revision.is_empty());
    }
}
