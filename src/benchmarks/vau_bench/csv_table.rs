//! Reading a CSV file with a header row, with every error naming the file,
//! line and column (the project's error discipline, SPEC 1 exit code 2).

use std::fs::File;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use crate::{Error, Result};

/// An open CSV file whose header row has been read.
pub struct CsvTable {
    path: PathBuf,
    headers: StringRecord,
    reader: csv::Reader<File>,
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
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
        let headers = reader
            .headers()
            .map_err(|err| csv_error(path, err))?
            .clone();
        Ok(CsvTable {
            path: path.to_owned(),
            headers,
            reader,
        })
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
        let path = self.path.clone();
        self.reader
            .records()
            .map(|record| {
                let record = record.map_err(|err| csv_error(&path, err))?;
                let line = record.position().map_or(0, |p| p.line() as usize);
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

fn csv_error(path: &Path, err: csv::Error) -> Error {
    let line = err.position().map_or(1, |p| p.line() as usize);
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            path: path.to_owned(),
            source,
        },
        _ => Error::Field {
            path: path.to_owned(),
            line,
            field: "row".to_owned(),
            message,
        },
    }
}
