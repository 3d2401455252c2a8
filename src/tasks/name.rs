//! One way to name, parse and print the tasks of every benchmark and
//! protocol: each task enum is declared with `task_enum!`, which derives
//! its names with `strum` (`IntoStaticStr`, `VariantArray`,
//! `VariantNames`, `Display`, all kebab-case), and gets everything else
//! from [`TaskName`].

use strum::{VariantArray, VariantNames};

/// Declares a task enum: the derives every task enum shares, its variant
/// names in kebab-case (`AnomalyBu` is `anomaly-bu`). More derives may be
/// given as attributes.
#[macro_export]
macro_rules! task_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$variant_meta:meta])* $variant:ident),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            strum::IntoStaticStr,
            strum::VariantArray,
            strum::VariantNames,
            strum::Display,
        )]
        #[strum(serialize_all = "kebab-case")]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),+
        }
    };
}

/// A task enum whose names come from the `strum` derives. Implemented for
/// every such enum; nothing to write by hand.
pub trait TaskName: Copy + Send + Sync + VariantArray + VariantNames + Into<&'static str> {
    /// Every task, in declaration order.
    fn all() -> &'static [Self] {
        <Self as VariantArray>::VARIANTS
    }

    /// Every task's name, in declaration order.
    fn names() -> &'static [&'static str] {
        <Self as VariantNames>::VARIANTS
    }

    /// The task's command-line name, e.g. `anomaly-bu`.
    fn name(self) -> &'static str {
        self.into()
    }

    /// The task named `name`; the error lists every valid name.
    fn parse_name(name: &str) -> Result<Self, String> {
        Self::all()
            .iter()
            .copied()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown task `{name}` (expected one of: {})",
                    Self::names().join(", ")
                )
            })
    }
}

impl<T> TaskName for T where T: Copy + Send + Sync + VariantArray + VariantNames + Into<&'static str>
{}

#[cfg(test)]
mod tests {
    use super::*;

    crate::task_enum! {
        enum Sample {
            One,
            TwoWords,
        }
    }

    #[test]
    fn names_parse_print_and_list() {
        assert_eq!(Sample::names(), ["one", "two-words"]);
        assert_eq!(Sample::TwoWords.name(), "two-words");
        assert_eq!(Sample::TwoWords.to_string(), "two-words");
        for &t in Sample::all() {
            assert_eq!(Sample::parse_name(t.name()), Ok(t));
        }
        assert_eq!(
            Sample::parse_name("two_words"),
            Err("unknown task `two_words` (expected one of: one, two-words)".to_owned())
        );
    }
}
