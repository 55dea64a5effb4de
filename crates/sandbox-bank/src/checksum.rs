//! Check-digit rules of the national identifiers the banks release.

pub(crate) fn digits(s: &str, len: usize) -> Option<Vec<u32>> {
    if s.len() != len {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

fn weighted(d: &[u32], w: &[i64]) -> i64 {
    d.iter().zip(w).map(|(&d, &w)| i64::from(d) * w).sum()
}

/// Whether `inn` is a 12-digit Russian personal INN with valid check digits.
pub fn is_valid_inn12(inn: &str) -> bool {
    let Some(d) = digits(inn, 12) else {
        return false;
    };
    let n11 = weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    let n12 = weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    i64::from(d[10]) == n11 && i64::from(d[11]) == n12
}

/// Whether `snils` is 11 digits (no separators) with a valid SNILS checksum.
pub fn is_valid_snils(snils: &str) -> bool {
    let Some(d) = digits(snils, 11) else {
        return false;
    };
    let sum = weighted(&d[..9], &[9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => match sum % 101 {
            100 => 0,
            c => c,
        },
    };
    i64::from(d[9] * 10 + d[10]) == check
}

/// Whether `code` is a 10-digit Ukrainian RNOKPP with a valid check digit.
pub fn is_valid_rnokpp(code: &str) -> bool {
    let Some(d) = digits(code, 10) else {
        return false;
    };
    let check = weighted(&d[..9], &[-1, 5, 7, 9, 4, 6, 10, 5, 7]).rem_euclid(11) % 10;
    i64::from(d[9]) == check
}

/// The two check digits of a personal INN whose first ten digits are `ten`.
pub(crate) fn inn12_checks(ten: &str) -> Option<(u32, u32)> {
    let mut d = digits(ten, 10)?;
    let n11 = weighted(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    d.push(u32::try_from(n11).ok()?);
    let n12 = weighted(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    Some((d[10], u32::try_from(n12).ok()?))
}

/// The check number (0–99) of a SNILS whose first nine digits are `nine` (above 001-001-998).
pub(crate) fn snils_check(nine: &str) -> Option<u32> {
    let d = digits(nine, 9)?;
    let sum = weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2, 1]);
    u32::try_from(sum % 101 % 100).ok()
}

/// The check digit of an RNOKPP whose first nine digits are `nine`.
pub(crate) fn rnokpp_check(nine: &str) -> Option<u32> {
    let d = digits(nine, 9)?;
    u32::try_from(weighted(&d, &[-1, 5, 7, 9, 4, 6, 10, 5, 7]).rem_euclid(11) % 10).ok()
}
