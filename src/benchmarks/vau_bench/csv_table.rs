//! Reading a CSV file with a header row, with every error naming the file,
//! line and column (the project's error discipline, docs/scoring.md §1 exit code 2).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use crate::{Error, Result};

/// An open CSV file whose header row has been read.
pub struct CsvTable {
    path: PathBuf,
    headers: StringRecord,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    /// The file's bytes and the offset of every `\n` in them, to turn a
    /// record's byte offset into its line: after a CRLF line end (what the
    /// reference scripts write) the csv crate places the next record at the
    /// `\n` and counts one line too few.
    bytes: Vec<u8>,
    newlines: Vec<usize>,
}

/// One data row and the 1-based line it starts on.
pub struct CsvRow {
    /// The line the row starts on (quoted fields may span lines).
    pub line: usize,
    record: StringRecord,
}

impl CsvTable {
    /// Opens `path` and reads its header row. Every row must have as many
    /// fields as the header.
    pub fn open(path: &Path) -> Result<Self> {
        crate::formats::records::check_regular_file(path)?;
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let newlines = bytes
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| (b == b'\n').then_some(i))
            .collect();
        let reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(Cursor::new(bytes.clone()));
        let mut table = CsvTable {
            path: path.to_owned(),
            headers: StringRecord::new(),
            reader,
            bytes,
            newlines,
        };
        table.headers = match table.reader.headers() {
            Ok(headers) => headers.clone(),
            Err(err) => return Err(table.csv_error(err)),
        };
        Ok(table)
    }

    /// The index of the column named `name` (surrounding spaces ignored).
    pub fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| Error::Field {
                path: self.path.clone(),
                line: 1,
                field: name.to_owned(),
                message: "missing column".to_owned(),
            })
    }

    /// Every data row, in file order.
    pub fn rows(&mut self) -> Result<Vec<CsvRow>> {
        let records: Vec<_> = self.reader.records().collect();
        records
            .into_iter()
            .map(|record| {
                let record = record.map_err(|err| self.csv_error(err))?;
                let line = self.line_at(record.position());
                Ok(CsvRow { line, record })
            })
            .collect()
    }

    /// An input error about `row`'s `column`.
    pub fn field_error(&self, row: &CsvRow, column: usize, message: String) -> Error {
        Error::Field {
            path: self.path.clone(),
            line: row.line,
            field: self.headers.get(column).unwrap_or("?").trim().to_owned(),
            message,
        }
    }
}

impl CsvRow {
    /// The trimmed value of `column` (always present: rows have the header's width).
    pub fn get(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("").trim()
    }
}

impl CsvTable {
    /// The 1-based line of the first character at or after `position`'s
    /// byte that is not a line end (line 1 without a position).
    fn line_at(&self, position: Option<&csv::Position>) -> usize {
        position.map_or(1, |p| {
            let mut byte = usize::try_from(p.byte()).unwrap_or(usize::MAX);
            while self
                .bytes
                .get(byte)
                .is_some_and(|b| matches!(b, b'\r' | b'\n'))
            {
                byte += 1;
            }
            1 + self.newlines.partition_point(|&n| n < byte)
        })
    }

    /// An input error for a failed read; the csv crate's own message is
    /// not used where it carries its (CRLF-miscounted) line number.
    fn csv_error(&self, err: csv::Error) -> Error {
        let line = self.line_at(err.position());
        let message = match err.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields, but the header has {expected_len}"),
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("field {} is not valid UTF-8", err.field() + 1)
            }
            _ => err.to_string(),
        };
        match err.into_kind() {
            csv::ErrorKind::Io(source) => Error::Io {
                path: self.path.clone(),
                source,
            },
            _ => Error::Field {
                path: self.path.clone(),
                line,
                field: "row".to_owned(),
                message,
            },
        }
    }
}
