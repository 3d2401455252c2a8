//! The shape of a paper table's row (Table 2, Table 3): plain data that a
//! benchmark declares and the leaderboard lays out.

/// A group of a paper table's row: the task, its heading and its figures.
pub type RowGroup = (&'static str, &'static str, &'static [&'static str]);
