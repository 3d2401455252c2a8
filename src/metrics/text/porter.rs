//! The Porter stemmer as nltk's `PorterStemmer()` runs it by default
//! (`mode=NLTK_EXTENSIONS`), used by METEOR's stem stage and by rouge-score's
//! `use_stemmer=True`.
//!
//! Porter (1980) with nltk's departures: a table of irregular forms, words of
//! at most two characters left alone, `ies`/`ied` on four-letter words,
//! step 1c only after a consonant, `bli -> ble`, `alli` recursion,
//! `fulli -> ful` and `logi -> log`, and the two-letter CVC case.
//! Characters are Unicode scalar values, like Python's `str`.

type Word = Vec<char>;

/// nltk's irregular forms (`NLTK_EXTENSIONS` pool): form -> stem.
const IRREGULAR: &[(&str, &str)] = &[
    ("sky", "sky"),
    ("skies", "sky"),
    ("dying", "die"),
    ("lying", "lie"),
    ("tying", "tie"),
    ("news", "news"),
    ("innings", "inning"),
    ("inning", "inning"),
    ("outings", "outing"),
    ("outing", "outing"),
    ("cannings", "canning"),
    ("canning", "canning"),
    ("howe", "howe"),
    ("proceed", "proceed"),
    ("exceed", "exceed"),
    ("succeed", "succeed"),
];

/// Stems one word like nltk's `PorterStemmer().stem(word)` (which lower-cases first).
pub fn porter_stem(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some((_, stem)) = IRREGULAR.iter().find(|(form, _)| *form == lower) {
        return (*stem).to_owned();
    }
    // nltk measures the length of the word as given, before lower-casing.
    if word.chars().count() <= 2 {
        return lower;
    }
    let steps: [fn(Word) -> Word; 8] =
        [step1a, step1b, step1c, step2, step3, step4, step5a, step5b];
    let stem = steps
        .iter()
        .fold(lower.chars().collect::<Word>(), |w, step| step(w));
    stem.into_iter().collect()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// Consonant flags: `y` is a consonant at the start or after a vowel.
fn consonant_flags(word: &[char]) -> Vec<bool> {
    let mut flags: Vec<bool> = Vec::with_capacity(word.len());
    for &c in word {
        let flag = if is_vowel(c) {
            false
        } else if c == 'y' {
            flags.last().is_none_or(|&prev| !prev)
        } else {
            true
        };
        flags.push(flag);
    }
    flags
}

fn is_consonant(word: &[char], i: usize) -> bool {
    consonant_flags(&word[..=i])[i]
}

/// Porter's m: the number of vowel-consonant transitions.
fn measure(stem: &[char]) -> usize {
    consonant_flags(stem)
        .windows(2)
        .filter(|w| !w[0] && w[1])
        .count()
}

fn contains_vowel(stem: &[char]) -> bool {
    consonant_flags(stem).iter().any(|&c| !c)
}

fn ends_double_consonant(word: &[char]) -> bool {
    let n = word.len();
    n >= 2 && word[n - 1] == word[n - 2] && is_consonant(word, n - 1)
}

/// `*o`: consonant-vowel-consonant with the last not w, x or y; nltk adds
/// the two-letter vowel-consonant case.
fn ends_cvc(word: &[char]) -> bool {
    let n = word.len();
    let classic = n >= 3
        && is_consonant(word, n - 3)
        && !is_consonant(word, n - 2)
        && is_consonant(word, n - 1)
        && !matches!(word[n - 1], 'w' | 'x' | 'y');
    classic || (n == 2 && !is_consonant(word, 0) && is_consonant(word, 1))
}

fn ends_with(word: &[char], suffix: &str) -> bool {
    let n = suffix.chars().count();
    word.len() >= n && word[word.len() - n..].iter().copied().eq(suffix.chars())
}

/// The word less `suffix.len()` trailing characters (empty if shorter, like
/// Python's `word[:-n]`); callers check the suffix first where it matters.
fn without_suffix<'a>(word: &'a [char], suffix: &str) -> &'a [char] {
    &word[..word.len().saturating_sub(suffix.chars().count())]
}

fn joined(stem: &[char], tail: &str) -> Word {
    stem.iter().copied().chain(tail.chars()).collect()
}

/// A rule: suffix, replacement, and the condition on the stem left when the
/// suffix is removed.
type Rule<'a> = (&'a str, &'a str, &'a dyn Fn(&[char]) -> bool);

/// Applies the first rule whose suffix the word ends with; if its condition
/// fails the word is returned unchanged (later rules are not tried).
fn apply_rules(word: Word, rules: &[Rule]) -> Word {
    for (suffix, replacement, condition) in rules {
        if ends_with(&word, suffix) {
            let stem = without_suffix(&word, suffix);
            return if condition(stem) {
                joined(stem, replacement)
            } else {
                word
            };
        }
    }
    word
}

fn always(_: &[char]) -> bool {
    true
}

fn positive_measure(stem: &[char]) -> bool {
    measure(stem) > 0
}

fn measure_gt_1(stem: &[char]) -> bool {
    measure(stem) > 1
}

fn step1a(word: Word) -> Word {
    if word.len() == 4 && ends_with(&word, "ies") {
        return joined(without_suffix(&word, "ies"), "ie");
    }
    apply_rules(
        word,
        &[
            ("sses", "ss", &always),
            ("ies", "i", &always),
            ("ss", "ss", &always),
            ("s", "", &always),
        ],
    )
}

fn step1b(word: Word) -> Word {
    if ends_with(&word, "ied") {
        let tail = if word.len() == 4 { "ie" } else { "i" };
        return joined(without_suffix(&word, "ied"), tail);
    }
    if ends_with(&word, "eed") {
        let stem = without_suffix(&word, "eed");
        return if measure(stem) > 0 {
            joined(stem, "ee")
        } else {
            word
        };
    }
    let stem = ["ed", "ing"]
        .iter()
        .find(|s| ends_with(&word, s) && contains_vowel(without_suffix(&word, s)))
        .map(|s| without_suffix(&word, s).to_vec());
    match stem {
        Some(stem) => step1b_tidy(stem),
        None => word,
    }
}

/// After removing `ed`/`ing`: restore `e` after at/bl/iz, undouble a final
/// consonant (not l, s, z), or add `e` to a short CVC stem.
fn step1b_tidy(stem: Word) -> Word {
    for (suffix, replacement) in [("at", "ate"), ("bl", "ble"), ("iz", "ize")] {
        if ends_with(&stem, suffix) {
            return joined(without_suffix(&stem, suffix), replacement);
        }
    }
    if ends_double_consonant(&stem) {
        let last = stem[stem.len() - 1];
        return if matches!(last, 'l' | 's' | 'z') {
            stem
        } else {
            stem[..stem.len() - 1].to_vec()
        };
    }
    if measure(&stem) == 1 && ends_cvc(&stem) {
        return joined(&stem, "e");
    }
    stem
}

fn step1c(word: Word) -> Word {
    let after_consonant = |stem: &[char]| stem.len() > 1 && is_consonant(stem, stem.len() - 1);
    apply_rules(word, &[("y", "i", &after_consonant)])
}

fn step2(word: Word) -> Word {
    if ends_with(&word, "alli") && positive_measure(without_suffix(&word, "alli")) {
        return step2(joined(without_suffix(&word, "alli"), "al"));
    }
    // nltk's `logi` condition measures the word less "ogi" (the stem plus "l").
    let logi_stem = without_suffix(&word, "ogi").to_vec();
    let logi = move |_: &[char]| positive_measure(&logi_stem);
    let p: &dyn Fn(&[char]) -> bool = &positive_measure;
    let rules: [Rule; 22] = [
        ("ational", "ate", p),
        ("tional", "tion", p),
        ("enci", "ence", p),
        ("anci", "ance", p),
        ("izer", "ize", p),
        ("bli", "ble", p),
        ("alli", "al", p),
        ("entli", "ent", p),
        ("eli", "e", p),
        ("ousli", "ous", p),
        ("ization", "ize", p),
        ("ation", "ate", p),
        ("ator", "ate", p),
        ("alism", "al", p),
        ("iveness", "ive", p),
        ("fulness", "ful", p),
        ("ousness", "ous", p),
        ("aliti", "al", p),
        ("iviti", "ive", p),
        ("biliti", "ble", p),
        ("fulli", "ful", p),
        ("logi", "log", &logi),
    ];
    apply_rules(word, &rules)
}

fn step3(word: Word) -> Word {
    let p: &dyn Fn(&[char]) -> bool = &positive_measure;
    apply_rules(
        word,
        &[
            ("icate", "ic", p),
            ("ative", "", p),
            ("alize", "al", p),
            ("iciti", "ic", p),
            ("ical", "ic", p),
            ("ful", "", p),
            ("ness", "", p),
        ],
    )
}

fn step4(word: Word) -> Word {
    let m: &dyn Fn(&[char]) -> bool = &measure_gt_1;
    let ion = |stem: &[char]| measure_gt_1(stem) && matches!(stem.last(), Some('s' | 't'));
    apply_rules(
        word,
        &[
            ("al", "", m),
            ("ance", "", m),
            ("ence", "", m),
            ("er", "", m),
            ("ic", "", m),
            ("able", "", m),
            ("ible", "", m),
            ("ant", "", m),
            ("ement", "", m),
            ("ment", "", m),
            ("ent", "", m),
            ("ion", "", &ion),
            ("ou", "", m),
            ("ism", "", m),
            ("ate", "", m),
            ("iti", "", m),
            ("ous", "", m),
            ("ive", "", m),
            ("ize", "", m),
        ],
    )
}

fn step5a(word: Word) -> Word {
    if ends_with(&word, "e") {
        let stem = without_suffix(&word, "e");
        let m = measure(stem);
        if m > 1 || (m == 1 && !ends_cvc(stem)) {
            return stem.to_vec();
        }
    }
    word
}

fn step5b(word: Word) -> Word {
    // nltk measures the word less its last letter (the stem plus one "l").
    if ends_with(&word, "ll") && measure(&word[..word.len() - 1]) > 1 {
        return word[..word.len() - 1].to_vec();
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_porter_examples() {
        // Porter (1980)'s own examples, which nltk's extensions leave alone.
        for (word, stem) in [
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("cats", "cat"),
            ("feed", "feed"),
            ("agreed", "agre"),
            ("plastered", "plaster"),
            ("motoring", "motor"),
            ("conflated", "conflat"),
            ("hopping", "hop"),
            ("falling", "fall"),
            ("filing", "file"),
            ("happy", "happi"),
            ("relational", "relat"),
            ("generalization", "gener"),
            ("electrical", "electr"),
            ("adjustment", "adjust"),
            ("controll", "control"),
        ] {
            assert_eq!(porter_stem(word), stem, "{word}");
        }
    }

    #[test]
    fn nltk_extensions() {
        // Irregular table; "ies"/"ied" on four letters keep "ie"; short words
        // are only lower-cased; "y" after a vowel stays (step 1c needs a
        // consonant); "logi" -> "log".
        for (word, stem) in [
            ("dying", "die"),
            ("Skies", "sky"),
            ("ties", "tie"),
            ("died", "die"),
            ("IS", "is"),
            ("play", "play"),
            ("analogi", "analog"),
            ("hopefulli", "hope"),
        ] {
            assert_eq!(porter_stem(word), stem, "{word}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for word in [
            "", "y", "yy", "ÿÿÿ", "İİİ", "123ing", "eed", "ied", "alli", "ogi",
        ] {
            let _ = porter_stem(word);
        }
    }
}
