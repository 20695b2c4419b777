//! How a number reads wherever bootline shows one: seconds, shares, counts and plurals. Every
//! renderer (text, Markdown, charts) takes its numbers from here, so one quantity reads the same
//! in each.

/// Seconds without a needless decimal: `720 s`, `606.1 s`.
pub(crate) fn secs(v: f64) -> String {
    format!("{} s", secs_plain(v))
}

/// Seconds without a unit or a needless decimal: `600`, `632.3`.
pub(crate) fn secs_plain(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Seconds to one decimal with the unit: `632.3 s`, `600.0 s`.
pub(crate) fn secs1(v: f64) -> String {
    format!("{v:.1} s")
}

/// Seconds to one decimal, or `-` when unknown (the text tables' cell).
pub(crate) fn secs_or_dash(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.1}"))
}

/// Seconds to one decimal, or `–` when unknown (the Markdown tables' cell).
pub(crate) fn secs_cell(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.1}"))
}

/// A share as a percentage with enough digits to read small rates: `0.49 %`, `0.012 %`.
pub fn percent(v: f64) -> String {
    let p = v * 100.0;
    if p == 0.0 {
        "0 %".to_string()
    } else if p >= 10.0 {
        format!("{p:.1} %")
    } else if p >= 0.1 {
        format!("{p:.2} %")
    } else if p < 1e-4 {
        format!("{p:.1e} %")
    } else {
        // Two significant digits.
        let digits = (-p.log10().floor()) as usize + 1;
        format!("{p:.digits$} %")
    }
}

/// 1234 → `1,234`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The plural ending of a regular noun counted `n` times: `""` for one, else `"s"`.
pub(crate) fn plural_s<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) {
        ""
    } else {
        "s"
    }
}

/// `1 file` / `2 files`.
pub(crate) fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", plural_s(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_drop_a_needless_decimal_only() {
        assert_eq!(secs(720.0), "720 s");
        assert_eq!(secs(606.06), "606.1 s");
        assert_eq!(secs(606.1), "606.1 s");
        assert_eq!(secs_plain(632.25), "632.2");
        assert_eq!(secs1(600.0), "600.0 s");
        assert_eq!(secs_or_dash(None), "-");
        assert_eq!(secs_cell(None), "–");
        assert_eq!(secs_cell(Some(1.25)), "1.2");
    }

    #[test]
    fn shares_keep_two_significant_digits_when_small() {
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(0.25), "25.0 %");
        assert_eq!(percent(0.0049), "0.49 %");
        assert_eq!(percent(0.00012), "0.012 %");
        assert_eq!(percent(1e-7), "1.0e-5 %");
        assert_eq!(percent(0.001), "0.10 %");
        assert_eq!(percent(0.5), "50.0 %");
        assert_eq!(percent(2e-15), "2.0e-13 %");
    }

    #[test]
    fn counts_and_thousands() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(0, "boot"), "0 boots");
    }
}
