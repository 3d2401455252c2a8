//! Results and their output formats (SPEC 8).
