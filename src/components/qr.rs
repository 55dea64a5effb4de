//! A QR code drawn as SVG `<rect>`s by Leptos itself: no `style` attributes (strict CSP), the
//! colours come from CSS classes (`bp-qr`).

use leptos::prelude::*;
use qrcode::{Color, QrCode};

/// Light modules around the code, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// The modules of the QR code of `data`: its width and the dark modules as `(x, y)`, row by row.
/// `None` when the data does not fit in a QR code.
pub fn qr_modules(data: &str) -> Option<(usize, Vec<(usize, usize)>)> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c == Color::Dark)
        .map(|(i, _)| (i % width, i / width))
        .collect();
    Some((width, dark))
}

/// `<svg role="img" aria-label=title>`, one `<rect>` per dark module (an SVG `<title>` would be
/// created as an HTML element by the view macro, so the name is an `aria-label`).
/// Renders nothing when `data` cannot be encoded.
#[component]
pub fn QrSvg(
    /// What the code encodes, e.g. an `otpauth://` URI.
    #[prop(into)]
    data: String,
    /// The accessible name.
    #[prop(into)]
    title: Signal<String>,
) -> impl IntoView {
    let (width, dark) = qr_modules(&data)?;
    let side = width + 2 * QUIET_ZONE;
    let q = QUIET_ZONE as i64;
    let view_box = format!("{} {} {side} {side}", -q, -q);
    let rects = dark
        .into_iter()
        .map(|(x, y)| view! { <rect x=x y=y width="1" height="1" /> })
        .collect_view();
    Some(view! {
        <svg
            class="bp-qr"
            viewBox=view_box
            role="img"
            aria-label=move || title.get()
            shape-rendering="crispEdges"
            xmlns="http://www.w3.org/2000/svg"
        >
            <rect class="bp-qr__background" x=-q y=-q width=side height=side />
            <g class="bp-qr__modules">{rects}</g>
        </svg>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_match_the_qr_code() {
        let (width, dark) = qr_modules("otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP").expect("fits");
        // Version 3 (29 × 29) at the crate's default error correction (M) for 44 bytes.
        assert_eq!(width, 29);
        assert!(dark.iter().all(|&(x, y)| x < width && y < width));
        // The finder pattern's corner is dark; the module right of the top-left finder is light.
        assert!(dark.contains(&(0, 0)));
        assert!(!dark.contains(&(7, 0)));
    }
}
