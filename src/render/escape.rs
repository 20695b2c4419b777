//! Text from a log on its way out: one function per boundary it crosses. Instance, class,
//! template and workspace names, `failed` reasons, journald fields, module and file names are
//! whatever the log held: a newline, `<img onerror=…>`, a run of backticks, `|`, ESC or BEL.
//! Each boundary shows them as text and never lets them act:
//!
//! - the terminal ([`terminal`]): every control character is a visible escape (`\x1b`, `\n`),
//!   so no log can set the title, clear the screen or fake a line of output, and every
//!   bidirectional override or isolate too (`\u{202e}`), so none can reverse what is shown;
//! - Markdown ([`markdown_code`], [`markdown_cell`], [`markdown_text`]): inside a code span
//!   whose fence is longer than any run of backticks in it, or with the characters that start
//!   markup backslash-escaped; a newline never passes, raw HTML never forms;
//! - SVG/XML ([`xml_text`], [`chart_label`] for what plotters writes, [`xml_document`] over every
//!   chart): `&`, `<`, `>` as entities and control characters other than tab and newline as
//!   visible escapes (XML 1.0 forbids them even as `&#x1b;`).
//!
//! JSON needs nothing: serde_json escapes every control character.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is a control character: C0, DEL or C1, or one that reorders or breaks the text
/// around it without being seen: the bidirectional marks, embeddings, overrides and isolates
/// (a log line that reverses what follows it) and the Unicode line and paragraph separators.
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// `c` as a visible escape: `\n`, `\t`, `\r`, else `\x1b` (C0, DEL) or `\u{9b}` (C1).
fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with each character `keep` refuses replaced by `each(out, c)`; borrowed when none is.
fn replace_chars<'a>(
    s: &'a str,
    keep: impl Fn(char) -> bool,
    each: impl Fn(&mut String, char),
) -> Cow<'a, str> {
    let Some(first) = s.find(|c: char| !keep(c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if keep(c) {
            out.push(c);
        } else {
            each(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Log text for a terminal: every control character, newline and tab included, as a visible
/// escape (`i-a\u{1b}]0;x\u{7}` → `i-a\x1b]0;x\x07`).
pub(crate) fn terminal(s: &str) -> Cow<'_, str> {
    replace_chars(s, |c| !is_control(c), push_visible)
}

/// Log text for a chart label that plotters writes into the SVG: plotters escapes `<`, `&`,
/// `>` and quotes itself, so only control characters are left, shown as visible escapes (the
/// label's width is then estimated on what is drawn).
pub(crate) fn chart_label(s: &str) -> Cow<'_, str> {
    replace_chars(s, |c| !is_control(c), push_visible)
}

/// A whole text written to a terminal, whose own lines and columns stay: control characters
/// other than newline and tab become visible escapes, except (when `colour`) the SGR sequences
/// (`ESC [ digits ; … m`) the palette paints with. The last guard before the bytes leave, behind
/// the values already passed through [`terminal`].
pub(crate) fn terminal_lines(s: &str, colour: bool) -> Cow<'_, str> {
    let keep = |c: char| !is_control(c) || c == '\n' || c == '\t';
    if !colour || !s.contains('\u{1b}') {
        return replace_chars(s, keep, push_visible);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\u{1b}') {
        out.push_str(&replace_chars(&rest[..at], keep, push_visible));
        let sgr = sgr_len(&rest[at..]);
        if sgr > 0 {
            out.push_str(&rest[at..at + sgr]);
            rest = &rest[at + sgr..];
        } else {
            out.push_str("\\x1b");
            rest = &rest[at + 1..];
        }
    }
    out.push_str(&replace_chars(rest, keep, push_visible));
    Cow::Owned(out)
}

/// The length of the SGR sequence `s` starts with (`\x1b[1;31m`), or 0.
fn sgr_len(s: &str) -> usize {
    let Some(params) = s.strip_prefix("\u{1b}[") else {
        return 0;
    };
    let digits = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    if params.as_bytes().get(digits) == Some(&b'm') {
        2 + digits + 1
    } else {
        0
    }
}

/// Log text as a Markdown code span, shown exactly: the fence is one backtick longer than the
/// longest run of backticks inside, padded with a space where the text starts or ends with a
/// backtick; control characters (a newline too) are visible escapes. Inside a code span `<`,
/// `*` and `|`-outside-tables are literal.
pub(crate) fn markdown_code(s: &str) -> String {
    let shown = terminal(s);
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if shown.is_empty() {
        // `` would be two backticks, not a span.
        return "` `".to_string();
    }
    let pad = if shown.starts_with('`') || shown.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

/// [`markdown_code`] for a table cell: a `|` would end the cell even inside a code span, so it
/// is written `\|` (GitHub's table syntax shows it as `|`).
pub(crate) fn markdown_cell(s: &str) -> String {
    markdown_code(s).replace('|', "\\|")
}

/// A fenced code block of `lang` holding `s`: the fence is longer than any run of backticks in
/// `s` (at least three), so no line of it can close the block; control characters other than
/// newline and tab are visible escapes.
pub(crate) fn markdown_block(lang: &str, s: &str) -> String {
    let shown = terminal_lines(s, false);
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{lang}\n{shown}\n{fence}")
}

/// Log text (or a sentence holding some) as plain Markdown text: control characters are
/// visible escapes, and each character that could start markup is backslash-escaped — `\`,
/// `` ` ``, `*`, `_` (but inside a word), `~`, `[`, `]`, `|`, a `<` that could open a tag or
/// autolink (`<img`, `</`, `<!`, `<?`) and an `&` that could start an entity. Text without them is unchanged, so
/// `default`, `gpu-large` or `< 0.10 %` read as before.
pub(crate) fn markdown_text(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let unsafe_at = |i: usize| -> bool {
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        let prev = i.checked_sub(1).map_or(b' ', |p| bytes[p]);
        match bytes[i] {
            b'\\' | b'`' | b'*' | b'~' | b'[' | b']' | b'|' => true,
            // Between two letters or digits `_` never emphasises (`user_data_failed`).
            b'_' => !(prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric()),
            b'<' => next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?'),
            b'&' => next.is_ascii_alphanumeric() || next == b'#',
            b => b < 0x20 || b == 0x7f,
        }
    };
    let needs = (0..bytes.len()).any(unsafe_at) || s.chars().any(is_control);
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if is_control(c) {
            // The visible escape's own backslash is literal text: `\x` escapes nothing.
            push_visible(&mut out, c);
        } else {
            if c.is_ascii() && unsafe_at(i) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Log text for an SVG (XML 1.0) text node or attribute: `&`, `<`, `>` as entities, control
/// characters other than tab and newline as visible escapes.
pub(crate) fn xml_text(s: &str) -> Cow<'_, str> {
    replace_chars(
        s,
        |c| !matches!(c, '&' | '<' | '>') && (!is_control(c) || c == '\t' || c == '\n'),
        |out, c| match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => push_visible(out, c),
        },
    )
}

/// A whole XML document with the control characters XML 1.0 forbids made visible; its markup
/// (`<`, `&`) stays. The guard on every SVG written, behind the labels passed through
/// [`xml_text`].
pub(crate) fn xml_document(s: &str) -> Cow<'_, str> {
    replace_chars(
        s,
        |c| !is_control(c) || c == '\t' || c == '\n',
        push_visible,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "i-\n# <img src=x onerror=alert(1)>``|\u{1b}]0;t\u{7}\u{1b}[2J";

    #[test]
    fn the_terminal_sees_every_control_character_as_an_escape() {
        assert_eq!(
            terminal(EVIL),
            "i-\\n# <img src=x onerror=alert(1)>``|\\x1b]0;t\\x07\\x1b[2J"
        );
        assert_eq!(terminal("a\tb\r\u{7f}\u{9b}"), "a\\tb\\r\\x7f\\u{9b}");
        assert!(matches!(terminal("i-0abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_bidirectional_override_is_shown_not_obeyed_at_every_boundary() {
        let reversed = "i-1\u{202e}gnp.exe\u{2066}x\u{2028}y";
        let shown = "i-1\\u{202e}gnp.exe\\u{2066}x\\u{2028}y";
        assert_eq!(terminal(reversed), shown);
        assert_eq!(xml_text(reversed), shown);
        assert_eq!(chart_label(reversed), shown);
        assert!(!markdown_text(reversed).contains('\u{202e}'));
        assert!(!markdown_cell(reversed).contains('\u{2066}'));
        assert_eq!(terminal("Grüße, 東京, ܐ"), "Grüße, 東京, ܐ");
    }

    #[test]
    fn a_whole_text_keeps_its_lines_and_the_palettes_colours_only() {
        let painted = "\u{1b}[1m\u{1b}[31mcrashed\u{1b}[0m\tx\n";
        assert_eq!(terminal_lines(painted, true), painted);
        assert_eq!(
            terminal_lines(painted, false),
            "\\x1b[1m\\x1b[31mcrashed\\x1b[0m\tx\n"
        );
        assert_eq!(
            terminal_lines("a\u{1b}[2Jb\u{1b}]0;t\u{7}\n", true),
            "a\\x1b[2Jb\\x1b]0;t\\x07\n"
        );
    }

    #[test]
    fn a_code_span_fence_outruns_the_backticks_inside() {
        assert_eq!(markdown_code("i-0abc"), "`i-0abc`");
        assert_eq!(markdown_code("a``b"), "```a``b```");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code(""), "` `");
        assert_eq!(
            markdown_code(EVIL),
            "```i-\\n# <img src=x onerror=alert(1)>``|\\x1b]0;t\\x07\\x1b[2J```"
        );
        assert_eq!(markdown_cell("a|b"), "`a\\|b`");
        assert_eq!(markdown_block("sh", "x y"), "```sh\nx y\n```");
        assert_eq!(markdown_block("sh", "'a\n```'"), "````sh\n'a\n```'\n````");
    }

    #[test]
    fn plain_markdown_text_escapes_what_starts_markup_and_nothing_else() {
        assert_eq!(markdown_text("gpu-large"), "gpu-large");
        assert_eq!(markdown_text("gpu_large _x_"), "gpu_large \\_x\\_");
        assert_eq!(
            markdown_text("keep 1800 s (< 0.10 % fail; bound × 1.10)"),
            "keep 1800 s (< 0.10 % fail; bound × 1.10)"
        );
        assert_eq!(
            markdown_text("c\n<img src=x>|`*_[x]&amp;"),
            "c\\n\\<img src=x>\\|\\`\\*\\_\\[x\\]\\&amp;"
        );
    }

    #[test]
    fn xml_text_has_no_character_xml_forbids() {
        assert_eq!(
            xml_text("a<b>&\u{1b}[2J\u{7}\tz"),
            "a&lt;b&gt;&amp;\\x1b[2J\\x07\tz"
        );
        assert_eq!(
            xml_document("<text>\u{1b}]0;t\u{7}</text>\n"),
            "<text>\\x1b]0;t\\x07</text>\n"
        );
    }
}
