//! Query results as an aligned text table or as JSON, with BLOBs shown by size.

use std::fmt::Write as _;

use rusqlite::types::ValueRef;

/// One value of a result row. A BLOB keeps only its length: nothing prints its bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// Text (invalid UTF-8 replaced).
    Text(String),
    /// A BLOB of this many bytes.
    Blob(usize),
}

impl Cell {
    /// The cell of an SQLite value.
    pub fn from_value(value: ValueRef<'_>) -> Self {
        match value {
            ValueRef::Null => Self::Null,
            ValueRef::Integer(i) => Self::Integer(i),
            ValueRef::Real(f) => Self::Real(f),
            ValueRef::Text(t) => Self::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Self::Blob(b.len()),
        }
    }

    /// The cell as the text table shows it: `NULL`, the number, the text with control
    /// characters escaped (`\n`, so a row stays one line), or `<blob N bytes>`.
    pub fn display(&self) -> String {
        match self {
            Self::Null => "NULL".to_owned(),
            Self::Integer(i) => i.to_string(),
            Self::Real(f) => f.to_string(),
            Self::Text(t) => escape_controls(t),
            Self::Blob(n) => blob_label(*n),
        }
    }

    /// The cell as JSON: null, a number (a non-finite float as null), a string, or the
    /// string `<blob N bytes>`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Null => Value::Null,
            Self::Integer(i) => Value::from(*i),
            Self::Real(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Text(t) => Value::from(t.as_str()),
            Self::Blob(n) => Value::from(blob_label(*n)),
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, Self::Integer(_) | Self::Real(_))
    }
}

/// `text` with control characters written as Rust escapes (`\n`, `\t`, `\u{1b}`) and
/// everything else, quotes included, as is.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// How a BLOB of `bytes` bytes prints.
fn blob_label(bytes: usize) -> String {
    format!("<blob {bytes} bytes>")
}

/// A result: column names and rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names, in select order (names may repeat).
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as aligned text: a header, a rule, one line per row (numbers right
    /// aligned, the rest left aligned, two spaces between columns) and no trailing spaces.
    /// Widths count characters, not bytes.
    pub fn to_text(&self) -> String {
        let shown: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(Cell::display).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &shown {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| escape_controls(c)).collect();
        push_line(
            &mut out,
            &widths,
            header.iter().map(|h| (h.as_str(), false)),
        );
        let rules: Vec<String> = widths.iter().map(|&w| "-".repeat(w.max(1))).collect();
        push_line(&mut out, &widths, rules.iter().map(|r| (r.as_str(), false)));
        for (cells, row) in shown.iter().zip(&self.rows) {
            let items = cells
                .iter()
                .zip(row)
                .map(|(s, c)| (s.as_str(), c.is_number()));
            push_line(&mut out, &widths, items);
        }
        out
    }

    /// The table as a JSON array with one object per row, keys in column order, like
    /// `sqlite3 -json` (a repeated column name repeats its key).
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(if i == 0 { "\n  {" } else { ",\n  {" });
            for (j, (name, cell)) in self.columns.iter().zip(row).enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                // NOTE: a string and a `Value` always serialise.
                let _ = write!(
                    out,
                    "{}: {}",
                    serde_json::Value::from(name.as_str()),
                    cell.to_json()
                );
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]" } else { "\n]" });
        out
    }
}

/// Appends one line of padded cells (`(text, right_aligned)`), trimmed at the end.
fn push_line<'a>(out: &mut String, widths: &[usize], cells: impl Iterator<Item = (&'a str, bool)>) {
    let mut line = String::new();
    for (i, ((text, right), &width)) in cells.zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let pad = width.saturating_sub(text.chars().count());
        if right {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(text);
        } else {
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            columns: vec!["id".into(), "name".into(), "wavetable".into()],
            rows: vec![
                vec![
                    Cell::Integer(1),
                    Cell::Text("Basic".into()),
                    Cell::Blob(8192),
                ],
                vec![Cell::Integer(12), Cell::Text("\"a\nb".into()), Cell::Null],
            ],
        }
    }

    #[test]
    fn text_columns_align_and_blobs_show_their_size() {
        let text = sample().to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "id  name   wavetable",
                "--  -----  -----------------",
                " 1  Basic  <blob 8192 bytes>",
                "12  \"a\\nb  NULL",
            ]
        );
    }

    #[test]
    fn json_keeps_column_order_and_types() {
        let json: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(json[0]["id"], 1);
        assert_eq!(json[0]["wavetable"], "<blob 8192 bytes>");
        assert_eq!(json[1]["name"], "\"a\nb");
        assert!(json[1]["wavetable"].is_null());
        assert_eq!(Table::default().to_json(), "[]");
        assert!(Cell::Real(f64::INFINITY).to_json().is_null());
    }
}
