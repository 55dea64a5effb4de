//! Given, family and middle names.

use super::{nfc, RuleError};

/// Longest accepted name, in Unicode scalar values after normalization.
pub const NAME_MAX_CHARS: usize = 100;

/// Longest name input, in characters, before normalization (decomposed accents take up to three
/// characters per letter).
const NAME_MAX_INPUT: usize = 4 * NAME_MAX_CHARS;

/// Human description of the name rule, for hints.
pub const NAME_HINT: (&str, &str, &str) = (
    "Как в паспорте: буквы (кириллица или латиница), пробел, дефис и апостроф, до 100 символов.",
    "Як у паспорті: літери (кирилиця або латиниця), пробіл, дефіс і апостроф, до 100 символів.",
    "As in your passport: letters (Cyrillic or Latin), spaces, hyphens and apostrophes, up to 100 characters.",
);

/// The script of a letter the name rule accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script {
    Latin,
    Cyrillic,
}

/// The script of `c` if it is a letter of the accepted repertoire: Latin (Basic, Latin-1,
/// Extended-A, Extended-B, Extended Additional) or Cyrillic (with Supplement, including the
/// Ukrainian і ї є ґ). Every such letter is stable under NFC.
pub(super) fn letter_script(c: char) -> Option<Script> {
    match c {
        'A'..='Z' | 'a'..='z' => Some(Script::Latin),
        // Latin-1 letters, without × and ÷.
        '\u{00C0}'..='\u{00FF}' if c != '\u{00D7}' && c != '\u{00F7}' => Some(Script::Latin),
        // Extended-A and -B, without the click letters ǀ ǁ ǂ ǃ (they look like punctuation).
        '\u{0100}'..='\u{024F}' if !('\u{01C0}'..='\u{01C3}').contains(&c) => Some(Script::Latin),
        '\u{1E00}'..='\u{1EFF}' => Some(Script::Latin),
        // Cyrillic without the thousands sign and the combining marks U+0482–U+0489.
        '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}' => Some(Script::Cyrillic),
        _ => None,
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '\'')
}

/// Normalizes a given, family or middle name.
///
/// - Surrounding spaces are trimmed; any run of spaces (including no-break and other Unicode
///   spaces) becomes one space.
/// - Apostrophes `’ ʼ ‘ \`` become the ASCII `'`; the hyphens U+2010 and U+2011 become `-`.
/// - The result is in Unicode NFC (so `й` typed as `и` + U+0306 becomes `й`).
/// - Allowed: letters of the Latin blocks Basic, Latin-1, Extended-A, Extended-B (without the
///   click letters ǀ ǁ ǂ ǃ) and Extended Additional, and of the Cyrillic block and its Supplement
///   (Ukrainian і ї є ґ included); space, hyphen, apostrophe. A hyphen or apostrophe may not start
///   or end the name, and no two separators may follow each other (`Петров-Водкин` and `O'Neil`
///   are fine, `Петров - Водкин` is not).
/// - One word may not mix Latin and Cyrillic letters (a Latin `i` in `Олексiй` is a typing slip
///   that would never match the bank's data); different words may.
/// - At most [`NAME_MAX_CHARS`] characters.
///
/// Combining marks that do not compose into a letter (stress marks such as `и́`) are refused with
/// [`RuleError::NameUnsupportedMark`], never passed through unnormalized. The normalization is
/// exact NFC for this repertoire with the marks U+0300–U+036F; characters that only NFC of other
/// blocks would map into it (U+212B ANGSTROM SIGN → Å, the Kelvin sign, U+0340/U+0341/U+0343/
/// U+0344, or `ʒ` + caron → `ǯ`) are refused rather than normalized.
pub fn normalize_name(input: &str) -> Result<String, RuleError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(RuleError::Required);
    }
    if trimmed.chars().count() > NAME_MAX_INPUT {
        return Err(RuleError::TooLong);
    }
    let mut mapped: Vec<char> = Vec::with_capacity(trimmed.len());
    for ch in trimmed.chars() {
        let c = match ch {
            '\u{2019}' | '\u{02BC}' | '\u{2018}' | '`' => '\'',
            '\u{2010}' | '\u{2011}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && mapped.last() == Some(&' ') {
            continue;
        }
        if letter_script(c).is_none() && !is_separator(c) && !nfc::is_supported_mark(c) {
            return Err(if is_combining_mark_block(c) {
                RuleError::NameUnsupportedMark
            } else {
                RuleError::NameChars
            });
        }
        mapped.push(c);
    }
    let name = nfc::nfc(&mapped);
    if name.iter().any(|&c| is_combining_mark_block(c)) {
        return Err(RuleError::NameUnsupportedMark);
    }
    check_separators(&name)?;
    check_scripts(&name)?;
    if name.len() > NAME_MAX_CHARS {
        return Err(RuleError::TooLong);
    }
    Ok(name.into_iter().collect())
}

/// The combining marks a citizen may plausibly type into a name: the general block and the
/// Cyrillic ones (titlo and friends).
fn is_combining_mark_block(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}')
}

fn check_separators(name: &[char]) -> Result<(), RuleError> {
    let (Some(&first), Some(&last)) = (name.first(), name.last()) else {
        return Err(RuleError::Required);
    };
    if is_separator(first) || is_separator(last) {
        return Err(RuleError::NameSeparators);
    }
    if name
        .windows(2)
        .any(|w| is_separator(w[0]) && is_separator(w[1]))
    {
        return Err(RuleError::NameSeparators);
    }
    Ok(())
}

fn check_scripts(name: &[char]) -> Result<(), RuleError> {
    for word in name.split(|&c| is_separator(c)) {
        let mut script = None;
        for &c in word {
            let s = letter_script(c);
            if script.is_some() && s != script {
                return Err(RuleError::NameMixedScript);
            }
            script = s;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str, expected: &str) {
        assert_eq!(normalize_name(input).as_deref(), Ok(expected), "{input:?}");
        assert_eq!(
            normalize_name(expected).as_deref(),
            Ok(expected),
            "{expected:?}"
        );
    }

    fn err(input: &str, e: RuleError) {
        assert_eq!(normalize_name(input), Err(e), "{input:?}");
    }

    #[test]
    fn plain_names() {
        for n in [
            "Иван",
            "Петров-Водкин",
            "Олексій",
            "Ґудзь",
            "Їжак",
            "Єва",
            "Мар'яна",
            "José",
            "Müller",
            "Łukasz",
            "Nguyễn",
            "Ørsted",
            "Žofia",
            "Анна Мария",
            "Анна Maria",
            "Анна-Maria",
            "Ўладзімір",
            "Ғалия",
            "Әлия",
        ] {
            ok(n, n);
        }
    }

    #[test]
    fn spaces_apostrophes_and_hyphens_are_normalized() {
        ok("  Иван  ", "Иван");
        ok("Анна  Мария", "Анна Мария");
        ok("Анна\u{00A0}Мария", "Анна Мария");
        ok("Анна\t \u{2003}Мария", "Анна Мария");
        ok("O’Neil", "O'Neil");
        ok("O‘Neil", "O'Neil");
        ok("Мар`яна", "Мар'яна");
        ok("Марʼяна", "Мар'яна");
        ok("Петров\u{2010}Водкин", "Петров-Водкин");
        ok("Петров\u{2011}Водкин", "Петров-Водкин");
    }

    #[test]
    fn decomposed_letters_are_composed() {
        ok("И\u{0306}ван", "Йван");
        ok("Сере\u{0308}жа", "Серёжа");
        ok("Ки\u{0306}ї", "Кйї");
        ok("Ки\u{0456}\u{0308}в", "Київ");
        ok("Jose\u{0301}", "José");
        ok("Nguye\u{0302}\u{0303}n", "Nguyễn");
        // Marks in non-canonical order, and a precomposed letter plus a mark.
        ok("Nguye\u{0323}\u{0302}n", "Nguyện");
        ok("Nguye\u{0302}\u{0323}n", "Nguyện");
        ok("Nguyê\u{0323}n", "Nguyện");
        ok("Nguyẹ\u{0302}n", "Nguyện");
        ok("A\u{030A}sa", "Åsa");
    }

    #[test]
    fn marks_that_form_no_letter_are_refused() {
        err("Ива\u{0301}нов", RuleError::NameUnsupportedMark);
        err("\u{0301}Иван", RuleError::NameUnsupportedMark);
        err("Иван \u{0301}", RuleError::NameUnsupportedMark);
        err("Е\u{0308}\u{0308}", RuleError::NameUnsupportedMark);
        err("Иван\u{0483}", RuleError::NameUnsupportedMark);
        err("Jose\u{0341}", RuleError::NameUnsupportedMark);
        err("Jose\u{034F}", RuleError::NameUnsupportedMark);
    }

    #[test]
    fn other_characters_are_refused() {
        for bad in [
            "Иван1",
            "Ivan.",
            "Иван\u{200B}",
            "Иван😀",
            "Ωmega",
            "\u{212B}sa",
            "ǀHoa",
            "Иван_Петров",
            "Иван,",
            "Jose\u{20DD}",
            "Ivan\u{0000}",
            "ℌans",
            "Ｉｖａｎ",
        ] {
            err(bad, RuleError::NameChars);
        }
    }

    #[test]
    fn separators_in_the_wrong_place_are_refused() {
        for bad in [
            "-Иван",
            "Иван-",
            "'Иван",
            "Иван'",
            "Иван--Петров",
            "Иван - Петров",
            "Иван' Петров",
            "Д'-Артаньян",
            "-",
            "'",
            "' '",
        ] {
            err(bad, RuleError::NameSeparators);
        }
    }

    #[test]
    fn one_word_one_script() {
        err("Олексiй", RuleError::NameMixedScript);
        err("Ivanоv", RuleError::NameMixedScript);
        err("Сергей Ivanоv", RuleError::NameMixedScript);
        ok("Сергей Ivanov", "Сергей Ivanov");
    }

    #[test]
    fn length() {
        err("", RuleError::Required);
        err(" \u{00A0} ", RuleError::Required);
        let hundred = "Я".repeat(100);
        ok(&hundred, &hundred);
        err(&"Я".repeat(101), RuleError::TooLong);
        // Decomposed input may be longer than the result.
        ok(&"е\u{0308}".repeat(100), &"ё".repeat(100));
        err(&"я".repeat(100_000), RuleError::TooLong);
        err(&format!("я{}я", " ".repeat(100_000)), RuleError::TooLong);
    }
}
