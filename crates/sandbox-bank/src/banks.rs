//! The simulated partner banks: ids, display names, countries and brand colours.

/// Country a sandbox bank (and its customers) belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Country {
    /// Russia: pages in `lang="ru"`, INN and SNILS claims.
    Ru,
    /// Ukraine: pages in `lang="uk"`, RNOKPP claim, no SNILS.
    Ua,
}

impl Country {
    /// BCP 47 language tag used for the `<html lang>` of this country's pages.
    pub fn lang(self) -> &'static str {
        match self {
            Country::Ru => "ru",
            Country::Ua => "uk",
        }
    }
}

/// Static description of one sandbox bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bank {
    /// Path segment and issuer suffix, e.g. `sber`.
    pub id: &'static str,
    /// Display name, e.g. `Сбербанк`.
    pub name: &'static str,
    pub country: Country,
    /// Brand colour as `#RRGGBB`.
    pub brand_color: &'static str,
}

/// Every bank served by the sandbox, in [`crate::BANK_IDS`] order.
pub const BANKS: [Bank; 9] = [
    Bank {
        id: "sber",
        name: "Сбербанк",
        country: Country::Ru,
        brand_color: "#21A038",
    },
    Bank {
        id: "vtb",
        name: "ВТБ",
        country: Country::Ru,
        brand_color: "#0A2896",
    },
    Bank {
        id: "tbank",
        name: "Т-Банк",
        country: Country::Ru,
        brand_color: "#FFDD2D",
    },
    Bank {
        id: "alfa",
        name: "Альфа-Банк",
        country: Country::Ru,
        brand_color: "#EF3124",
    },
    Bank {
        id: "gazprombank",
        name: "Газпромбанк",
        country: Country::Ru,
        brand_color: "#0A3D91",
    },
    Bank {
        id: "otkritie",
        name: "Открытие",
        country: Country::Ru,
        brand_color: "#00BEF0",
    },
    Bank {
        id: "privatbank",
        name: "ПриватБанк",
        country: Country::Ua,
        brand_color: "#79B530",
    },
    Bank {
        id: "monobank",
        name: "monobank",
        country: Country::Ua,
        brand_color: "#000000",
    },
    Bank {
        id: "oschadbank",
        name: "Ощадбанк",
        country: Country::Ua,
        brand_color: "#00784A",
    },
];

/// Looks a bank up by id.
pub fn bank(id: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.id == id)
}

/// Ids of the banks of one country.
pub(crate) fn bank_ids_of(country: Country) -> Vec<String> {
    BANKS
        .iter()
        .filter(|b| b.country == country)
        .map(|b| b.id.to_owned())
        .collect()
}

fn parse_hex_color(c: &str) -> Option<[u8; 3]> {
    let hex = c.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG 2.x relative luminance of an sRGB colour.
fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// WCAG contrast ratio between two `#RRGGBB` colours (1.0 if either is malformed).
pub(crate) fn contrast_ratio(a: &str, b: &str) -> f64 {
    match (parse_hex_color(a), parse_hex_color(b)) {
        (Some(a), Some(b)) => {
            let (la, lb) = (luminance(a), luminance(b));
            let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
            (hi + 0.05) / (lo + 0.05)
        }
        _ => 1.0,
    }
}

/// Text colour (near-black or white) with the better contrast on `background`.
pub(crate) fn text_color_on(background: &str) -> &'static str {
    const DARK: &str = "#111111";
    const LIGHT: &str = "#FFFFFF";
    if contrast_ratio(background, DARK) >= contrast_ratio(background, LIGHT) {
        DARK
    } else {
        LIGHT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_ids_match_banks() {
        let ids: Vec<&str> = BANKS.iter().map(|b| b.id).collect();
        assert_eq!(ids, crate::BANK_IDS.to_vec());
    }

    #[test]
    fn brand_colours_have_accessible_text() {
        for b in BANKS {
            let text = text_color_on(b.brand_color);
            let ratio = contrast_ratio(b.brand_color, text);
            assert!(
                ratio >= 4.5,
                "{}: {} on {} = {ratio}",
                b.id,
                text,
                b.brand_color
            );
        }
    }

    #[test]
    fn contrast_of_black_on_white_is_21() {
        assert!((contrast_ratio("#000000", "#FFFFFF") - 21.0).abs() < 1e-9);
    }
}
